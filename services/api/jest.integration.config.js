// Integration tests: real Postgres, real Temporal server, real SMTP server. Run one file at a time.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'api-integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.int-spec.ts'],
  testTimeout: 180000,
};
