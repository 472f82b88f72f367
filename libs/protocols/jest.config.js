module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'protocols',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
