export * from './executables';
export * from './dev-server';
export * from './workflow-bundle';
export * from './search-attributes';
export * from './codec';
export * from './connection-options';
export * from './connection';
