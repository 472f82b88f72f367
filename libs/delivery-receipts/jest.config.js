module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'delivery-receipts',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
