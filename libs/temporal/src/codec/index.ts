export * from './keys';
export * from './encryption-codec';
export * from './plugin';
export * from './remote-codec';
