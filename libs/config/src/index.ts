export * from './read-config';
export * from './settings';
export * from './production';
