// Integration tests: a real PostgreSQL cluster, a real SMTP server, local HTTP stand-ins for
// GOV.UK Notify and Twilio, and a Temporal dev server, all started by the tests themselves.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'notifier-integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.int-spec.ts'],
  testTimeout: 120_000,
};
