module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'temporal',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
