// Bundle-safe public API (the Temporal workflow bundle imports it): no Node built-ins here.
// The fs-based loader is libs/protocols/src/load.ts, imported as @resolve/protocols/files where Node is available.
export * from './schema';
export * from './registry';
export * from './timeline';
export * from './reminders';
export * from './lodging';
