// One free-port finder for tests and the local mail capture.
export { freePort } from '@resolve/mail-capture';
