// A local SMTP server that keeps what it receives: the mail catcher of `npm start` and the real
// SMTP server of the integration tests. A development tool, never part of a production image.
export * from './smtp-capture';
export { freePort } from './free-port';
