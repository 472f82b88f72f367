export * from './read-config';
export * from './production';
