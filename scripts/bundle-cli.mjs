#!/usr/bin/env node
// Build step (after tsc): bundles the CLI (dist/cli/main.js and everything it imports, commander,
// yaml, chalk and cli-table3 included) into one file, dist/cli/bundle.js, which bin/planner.js
// runs. Loading ~150 small ES modules cost ~160 ms of every run on the 2-core machine; the one
// file loads in ~40 ms (median of 12 fresh processes each, 2026-12-02). The solver's worker
// threads (dist/optimize/*-worker.js) stay as tsc wrote them, and ajv stays external: it is loaded
// only when a schema must be compiled at run time. dist/cli/main.js is still what the tests and
// library users import.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  entryPoints: [`${root}dist/cli/main.js`],
  outfile: `${root}dist/cli/bundle.js`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['ajv', 'ajv/*', 'highs'],
  // CommonJS dependencies (cli-table3) call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __plannerRequire } from 'node:module'; const require = __plannerRequire(import.meta.url);" },
  logLevel: 'warning',
});
