module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'logging',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
