// The repositories: the only code outside migrations that reads or writes the database.
export {};
export * from './directory.repository';
