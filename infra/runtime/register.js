// Runs TypeScript entry points directly in development: transpile-only ts-node (decorator
// metadata kept, which NestJS needs) plus the @resolve/* path aliases of tsconfig.base.json.
const path = require('node:path');
const root = path.resolve(__dirname, '..', '..');
process.env.TS_NODE_PROJECT = process.env.TS_NODE_PROJECT || path.join(root, 'tsconfig.json');
process.env.TS_NODE_TRANSPILE_ONLY = 'true';
require('ts-node').register({ transpileOnly: true, project: process.env.TS_NODE_PROJECT });
const tsconfigPaths = require('tsconfig-paths');
const base = require(path.join(root, 'tsconfig.base.json'));
tsconfigPaths.register({ baseUrl: root, paths: base.compilerOptions.paths });
require('reflect-metadata');
