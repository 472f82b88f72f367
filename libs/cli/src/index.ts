export { runCli, USAGE } from './cli';
export { UsageError } from './args';
export type { Io } from './io';
