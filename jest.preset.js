// Shared jest settings: TypeScript through ts-jest (transpile only; `tsc` type-checks in the
// build target) and the @resolve/* aliases resolved to sources.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');
const root = __dirname;
const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias.replace('/', '\\/')}$`] = path.join(root, target);
}
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(root, 'tsconfig.json'), diagnostics: false }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  setupFiles: [path.join(root, 'infra/runtime/jest-setup.js')],
};
