import { readFileSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../input/issues.js';
import type { TextFile } from '../input/load.js';

/** Largest input file planner reads (a spec or catalog is a few KB; this refuses accidents and attacks). */
export const MAX_INPUT_BYTES = 10 * 1024 * 1024;

/** The package's root folder (where presets/ and schemas/ live). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function refuse(path: string, message: string): never {
  throw new InputError([{ file: path, message }]);
}

/**
 * Reads a user's text file, refusing what is not a readable regular UTF-8 file of sane size.
 * `shownPath` is the name used in messages (as the user typed it).
 */
export function readUserFile(shownPath: string, cwd: string, maxBytes = MAX_INPUT_BYTES): TextFile {
  const fullPath = isAbsolute(shownPath) ? shownPath : resolve(cwd, shownPath);
  let stats;
  try {
    stats = statSync(fullPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    refuse(shownPath, code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? String(err)})`);
  }
  if (stats.isDirectory()) refuse(shownPath, 'is a directory; give a YAML file');
  if (!stats.isFile()) refuse(shownPath, 'is not a regular file (a pipe, socket or device); give a YAML file');
  if (stats.size > maxBytes) {
    refuse(shownPath, `is ${(stats.size / 2 ** 20).toFixed(1)} MiB, over the ${maxBytes / 2 ** 20} MiB limit for input files`);
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(fullPath);
  } catch (err) {
    refuse(shownPath, `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return { path: shownPath, text: decodeText(shownPath, bytes) };
}

/** Decodes UTF-8 (dropping a byte-order mark), refusing binary or other encodings. */
function decodeText(shownPath: string, bytes: Buffer): string {
  if (bytes.includes(0)) refuse(shownPath, 'looks like a binary file (it contains NUL bytes); give a YAML text file');
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return refuse(shownPath, 'is not valid UTF-8 text; save it as UTF-8');
  }
}

/** Reads a file that ships with planner (presets, schemas), named by its absolute path in messages. */
export function readPackageFile(relativePath: string): TextFile {
  const path = join(PACKAGE_ROOT, relativePath);
  return { path, text: readFileSync(path, 'utf8') };
}

/** Lists the YAML files of a package folder, sorted by name. */
export function listPackageYaml(relativeDir: string): string[] {
  return readdirSync(join(PACKAGE_ROOT, relativeDir))
    .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
    .sort()
    .map((name) => `${relativeDir}/${name}`);
}
