'use strict';
// Runs the compiled build (dist/) in containers and production:
//
//   node -r ./infra/runtime/register-dist.js dist/services/api/src/main.js
//
// `npx tsc -p tsconfig.build.json` compiles the repository into dist/ mirroring the tree, but
// leaves `require('@resolve/<lib>')` as it is. Without help Node would follow the workspace
// link node_modules/@resolve/<lib> to libs/<lib>/package.json, whose "main" is the TypeScript
// source. This file maps every alias in tsconfig.base.json `paths` to its compiled file,
// libs/domain/src/index.ts -> dist/libs/domain/src/index.js, through tsconfig-paths.
// It is the production twin of register.js (which runs the .ts sources with ts-node).
//
// RESOLVE_DIST_DIR overrides where the compiled tree is (default: <repo>/dist).
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const root = path.resolve(__dirname, '..', '..');
const distDir = path.resolve(root, process.env.RESOLVE_DIST_DIR || 'dist');

/** JSON with the comments and trailing commas that tsconfig files may carry. */
function readJsonc(file) {
  const text = fs.readFileSync(file, 'utf8');
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      i += 2;
      while (i < text.length && !(text[i] === '*' && text[i + 1] === '/')) i++;
      i++;
    } else {
      out += c;
    }
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, '$1'));
}

/** libs/x/src/index.ts -> <dist>/libs/x/src/index.js (relative to the repository root). */
function toDist(target) {
  const compiled = target.replace(/\.d\.ts$/, '.js').replace(/\.(c|m)?tsx?$/, (_, k) => `.${k || ''}js`);
  return path.relative(root, path.join(distDir, compiled)).split(path.sep).join('/');
}

/** The `paths` of tsconfig.base.json rewritten onto the compiled tree. */
function distPaths() {
  const base = readJsonc(path.join(root, 'tsconfig.base.json'));
  const options = base.compilerOptions || {};
  const baseUrl = path.resolve(root, options.baseUrl || '.');
  const paths = {};
  for (const [alias, targets] of Object.entries(options.paths || {})) {
    paths[alias] = targets.map((t) => toDist(path.relative(root, path.resolve(baseUrl, t))));
  }
  return paths;
}

const paths = distPaths();

// Fail with a message that says what to do, instead of Node's "Unknown file extension .ts"
// from the workspace link, when an alias that has no compiled file is imported.
const missing = new Map();
for (const [alias, targets] of Object.entries(paths)) {
  if (alias.includes('*')) continue;
  if (!targets.some((t) => fs.existsSync(path.join(root, t)))) missing.set(alias, targets[0]);
}
if (missing.size > 0) {
  const originalResolve = Module._resolveFilename;
  Module._resolveFilename = function resolveFilename(request, ...rest) {
    if (missing.has(request)) {
      throw new Error(
        `${request}: compiled file ${missing.get(request)} not found. ` +
          'Build first with `npx tsc -p tsconfig.build.json` (or set RESOLVE_DIST_DIR).',
      );
    }
    return originalResolve.call(this, request, ...rest);
  };
}

require('tsconfig-paths').register({ baseUrl: root, paths, addMatchAll: false });
// NestJS and TypeORM decorators read design-time metadata, as under register.js.
require('reflect-metadata');

module.exports = { distPaths, distDir };
