import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
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
  /**
   * `accepted`: V8 used the cache; `rejected`: V8 refused it (another V8, other flags); `stale`: it
   * was built for other bytes; `damaged`: its code does not match its checksum; `none`: no cache file.
   */
  cache: 'accepted' | 'rejected' | 'stale' | 'damaged' | 'none';
  /** V8's code cache of every function compiled so far, behind the hashes loadBundle checks. */
  createCache(): Buffer;
}

const HASH_BYTES = 32;
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest();

/**
 * Compiles and runs the bundle, from the code cache at `cachePath` (undefined: none) where it was
 * built for exactly this code. V8 checks only a cache's header and the source's length, not the
 * bytes of either: the file holds the sha256 of the compiled text and of the cached code before
 * the code (reading 0.75 MB and hashing it twice costs ~3 ms), so a rebuilt bundle of the same size
 * or a damaged file compiles as without a cache instead of crashing V8. The solver's threads run
 * WebAssembly with `--liftoff-only` (highs-worker.ts); V8's flags are the process's and part of
 * what a cache is checked against, so they are set first here too.
 */
export function loadBundle(cachePath: string | undefined = CODE_CACHE_PATH): LoadedBundle {
  setFlagsFromString('--liftoff-only');
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${readFileSync(BUNDLE_PATH, 'utf8')}\n})`;
  const hash = sha256(wrapped);
  let cachedData: Buffer | undefined;
  let cache: LoadedBundle['cache'] = 'none';
  if (cachePath !== undefined) {
    let file: Buffer | undefined;
    try {
      file = readFileSync(cachePath);
    } catch {
      // No cache built: compile as usual.
    }
    if (file) {
      const code = file.subarray(2 * HASH_BYTES);
      if (!file.subarray(0, HASH_BYTES).equals(hash)) cache = 'stale';
      else if (!file.subarray(HASH_BYTES, 2 * HASH_BYTES).equals(sha256(code))) cache = 'damaged';
      else cachedData = code;
    }
  }
  const script = new Script(wrapped, { filename: BUNDLE_PATH, cachedData });
  if (cachedData) cache = script.cachedDataRejected ? 'rejected' : 'accepted';
  const bundleModule = { exports: {} as { main: typeof Main } };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run(bundleModule.exports, createRequire(BUNDLE_PATH), bundleModule, BUNDLE_PATH, dirname(BUNDLE_PATH));
  return {
    main: bundleModule.exports.main,
    cache,
    createCache: () => {
      const code = script.createCachedData();
      return Buffer.concat([hash, sha256(code), code]);
    },
  };
}

/** Writes a bundle's code cache where {@link loadBundle} reads it (whole or not at all: a temporary file renamed). */
export function writeCodeCache(bundle: LoadedBundle): void {
  const temporary = `${CODE_CACHE_PATH}.${process.pid}.tmp`;
  writeFileSync(temporary, bundle.createCache());
  renameSync(temporary, CODE_CACHE_PATH);
}
