import { lstatSync, readlinkSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, parse, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../input/issues.js';
import type { InputIssue } from '../input/issues.js';
import type { DocPath, YamlSource } from '../input/yaml-source.js';
import { pathText } from '../input/yaml-source.js';
import { collect } from './command-types.js';

/** The environment variable that allows a spec to name files in more folders (path-delimiter separated). */
export const ALLOW_PATHS_ENV = 'PLANNER_ALLOW_PATHS';

/** What a spec may name: files inside its own folder, and inside the folders the user allows. */
export interface SpecAccess {
  /** Folders (as the user gave them, relative to cwd) a spec may name files in besides its own. */
  allow: string[];
}

/** The folders a spec may read besides its own: `--allow-path` flags, then PLANNER_ALLOW_PATHS. */
export function specAccess(flags: string[] | undefined, env: Record<string, string | undefined>): SpecAccess {
  const fromEnv = (env[ALLOW_PATHS_ENV] ?? '').split(delimiter).filter((p) => p.trim() !== '');
  return { allow: [...(flags ?? []), ...fromEnv] };
}

/** Help text of `--allow-path`. */
export const ALLOW_PATH_HELP = `let the spec name files (traces, model configs) inside DIR too, not only inside its own folder (repeatable; also ${ALLOW_PATHS_ENV})`;

/** Adds `--allow-path DIR` (repeatable) to a command that reads a spec. */
export function allowPathOption(command: Command): Command {
  return command.option('--allow-path <dir>', ALLOW_PATH_HELP, collect, []);
}

/** Most symbolic links followed in one path (as the kernel's ELOOP limit). */
const MAX_LINKS = 40;

/**
 * The path a file system path leads to once every symbolic link in it is followed — worked out
 * one component at a time, so a missing target gives the same answer as an existing one (which
 * would otherwise tell a spec's author what exists outside its folder). Past the first component
 * that cannot be read, the rest is taken as written.
 */
export function physicalPath(path: string): string {
  const root = parse(path).root || sep;
  const parts = path.slice(root.length).split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  let current = root;
  let links = 0;
  while (parts.length > 0) {
    const part = parts.shift()!;
    if (part === '..') {
      current = dirname(current);
      continue;
    }
    const next = join(current, part);
    let isLink = false;
    try {
      isLink = lstatSync(next).isSymbolicLink();
    } catch {
      return resolve(next, ...parts);
    }
    if (!isLink) {
      current = next;
      continue;
    }
    if (++links > MAX_LINKS) return resolve(next, ...parts);
    const target = readlinkSync(next);
    const targetRoot = parse(target).root;
    parts.unshift(...target.slice(targetRoot.length).split(/[\\/]+/).filter((p) => p !== '' && p !== '.'));
    if (targetRoot) current = targetRoot;
  }
  return current;
}

/** Whether `path` is `folder` or inside it (both physical, absolute). */
function inside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/**
 * Where a file a spec names (at `field`, as `written`) lives, with every link followed — refused
 * unless that is inside the spec's own folder or a folder the user allows. The check is on the
 * path alone: nothing is read, so the answer is the same whether the file exists or not.
 */
export function specFilePath(source: YamlSource, field: DocPath, written: string, specPath: string, cwd: string, access: SpecAccess): string {
  const specDir = dirname(resolve(cwd, specPath));
  const folders = [specDir, ...access.allow.map((dir) => resolve(cwd, dir))].map(physicalPath);
  const target = physicalPath(isAbsolute(written) ? written : `${specDir}${sep}${written}`);
  if (folders.some((folder) => inside(folder, target))) return target;
  throw new InputError([
    source.issueAt(
      field,
      `${pathText(field)}: ${written}: outside the spec's folder; a spec may name only files inside its own folder (after following links), so that a spec from a pull request cannot read other files — allow a folder with --allow-path DIR or ${ALLOW_PATHS_ENV}`,
    ),
  ]);
}

/** The message for a file a spec names that cannot be read, whatever the cause (missing, a folder, no permission). */
export const NOT_READABLE = 'not readable';

/** Messages of the readers for a file that could not be opened as a regular file. */
const OPEN_FAILURE = /^(file not found|is a directory|is not a regular file|cannot read)/;

/**
 * Rewrites a failure to open a file a spec names as one uniform "not readable" at the spec's
 * field (so a spec's author learns nothing about what exists); problems inside the file keep
 * their own line, under the name `shown`.
 */
export function atSpecField(err: unknown, fullPath: string, shown: string, source: YamlSource, field: DocPath, written: string): never {
  if (!(err instanceof InputError)) throw err;
  throw new InputError(
    err.issues.map((issue): InputIssue => {
      if (issue.file !== fullPath && issue.file !== shown) return issue;
      if (issue.line === undefined && OPEN_FAILURE.test(issue.message)) return source.issueAt(field, `${pathText(field)}: ${written}: ${NOT_READABLE}`);
      return { ...issue, file: shown };
    }),
  );
}
