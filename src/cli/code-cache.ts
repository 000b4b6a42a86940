import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import type { main as Main } from './main.js';

/** The bundled CLI (scripts/bundle-cli.mjs) and V8's code cache for it (scripts/code-cache.mjs). */
export const BUNDLE_PATH = fileURLToPath(new URL('./bundle.cjs', import.meta.url));
export const CODE_CACHE_PATH = fileURLToPath(new URL('./bundle.cache', import.meta.url));

/** The compiled bundle: its entry point, and whether a code cache spared compiling it. */
export interface LoadedBundle {
  main: typeof Main;
  /** `accepted`: V8 used the cache; `rejected`: V8 refused it (another V8 or flags); `stale`: it was built for other bytes; `none`: no cache file. */
  cache: 'accepted' | 'rejected' | 'stale' | 'none';
  /** V8's code cache of every function compiled so far, with the bundle's hash in front. */
  createCache(): Buffer;
}

const HASH_BYTES = 32;

/**
 * Compiles and runs the bundle, from the code cache at `cachePath` (undefined: none) where it was
 * built for exactly these bytes (V8 checks only the source's length, so a hash guards against a
 * rebuilt bundle of the same size). The solver's threads run WebAssembly with `--liftoff-only` (highs-worker.ts); V8's flags are
 * the process's and part of what a cache is checked against, so they are set first here too.
 */
export function loadBundle(cachePath: string | undefined = CODE_CACHE_PATH): LoadedBundle {
  setFlagsFromString('--liftoff-only');
  const source = readFileSync(BUNDLE_PATH, 'utf8');
  const hash = createHash('sha256').update(source).digest();
  let cachedData: Buffer | undefined;
  let cache: LoadedBundle['cache'] = 'none';
  if (cachePath !== undefined) {
    try {
      const file = readFileSync(cachePath);
      if (file.subarray(0, HASH_BYTES).equals(hash)) cachedData = file.subarray(HASH_BYTES);
      else cache = 'stale';
    } catch {
      // No cache built: compile as usual.
    }
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: BUNDLE_PATH, cachedData });
  if (cachedData) cache = script.cachedDataRejected ? 'rejected' : 'accepted';
  const bundleModule = { exports: {} as { main: typeof Main } };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run(bundleModule.exports, createRequire(BUNDLE_PATH), bundleModule, BUNDLE_PATH, dirname(BUNDLE_PATH));
  return { main: bundleModule.exports.main, cache, createCache: () => Buffer.concat([hash, script.createCachedData()]) };
}

/** Writes a bundle's code cache where {@link loadBundle} reads it. */
export function writeCodeCache(bundle: LoadedBundle): void {
  writeFileSync(CODE_CACHE_PATH, bundle.createCache());
}
