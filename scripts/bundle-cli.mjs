#!/usr/bin/env node
// Build step (after tsc): bundles the CLI (dist/cli/main.js and everything it imports, commander,
// yaml, chalk and cli-table3 included) into one CommonJS file, dist/cli/bundle.cjs, which
// bin/planner.js runs (through dist/cli/code-cache.js: CommonJS because V8's code cache, which
// scripts/code-cache.mjs writes next, serves a vm.Script and not an ES module). Loading ~150
// small ES modules cost ~160 ms of every run on the 2-core machine; the one file loads in ~40 ms
// (median of 12 fresh processes each, 2026-12-02). The solver's worker threads
// (dist/optimize/*-worker.js) stay as tsc wrote them, and ajv stays external: it is loaded only
// when a schema must be compiled at run time. dist/cli/main.js is still what the tests and
// library users import.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  entryPoints: [`${root}dist/cli/main.js`],
  outfile: `${root}dist/cli/bundle.cjs`,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['ajv', 'ajv/*', 'highs'],
  // The sources locate the package, the solver's threads and the compiled schemas from import.meta.url.
  // "use strict" first: the ES modules were strict, and esbuild's own directive would come after
  // the banner, where it is no directive.
  define: { 'import.meta.url': '__plannerImportMetaUrl' },
  banner: { js: "'use strict';\nconst __plannerImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
