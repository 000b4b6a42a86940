#!/usr/bin/env node
// Build step (after bundle-cli): plans the chat example (with its verification) inside the bundle,
// then writes V8's code cache of every function that run compiled, dist/cli/bundle.cache. A plan
// then skips parsing and compiling them (~50 ms of a ~0.6 s plan on the 2-core machine, median of
// 11 fresh processes, 2026-12-04); other commands compile what the cache lacks, as before. The
// cache records the hashes of the compiled text and of its own code (a rebuilt or damaged cache
// is ignored), and a newer Node or other V8 flags make V8 refuse it: either way the CLI compiles
// the bundle as without one.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CODE_CACHE_PATH, loadBundle, writeCodeCache } from '../dist/cli/code-cache.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = loadBundle(undefined);
const errors = [];
const io = { stdout: { write: () => true }, stderr: { write: (text) => errors.push(text) }, env: {}, cwd: root };
const code = await bundle.main(['node', 'planner', 'plan', 'presets/examples/chat.yaml'], io);
// A plan that fails is the tests' to report: the build goes on, without a cache.
if (code === 0) writeCodeCache(bundle);
else {
  rmSync(CODE_CACHE_PATH, { force: true });
  console.error(`code cache not written: planning the chat example exited ${code}\n${errors.join('')}`);
}
