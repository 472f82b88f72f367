module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'notifier',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
