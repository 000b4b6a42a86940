import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { modelFromHfConfig } from '../input/hf-config.js';
import type { ConfigModel } from '../input/hf-config.js';
import { InputError } from '../input/issues.js';
import type { InputIssue } from '../input/issues.js';
import type { ModelArch } from '../input/types.js';
import { modelConfigPath } from '../input/service-spec.js';
import type { SpecContext } from '../input/service-spec.js';
import type { YamlSource } from '../input/yaml-source.js';
import { readUserFile } from './files.js';
import { atSpecField, specFilePath } from './spec-paths.js';
import type { SpecAccess } from './spec-paths.js';

/** Line and column of a character offset in a text (1-based). */
function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

/**
 * Reads and parses a Hugging Face config.json; a missing or malformed file is an InputError naming
 * it. `fullPath` is where to read it (default: `shownPath` from `cwd`). A file that is not JSON is
 * reported by position only: its content is never quoted.
 */
export function readModelConfig(shownPath: string, cwd: string, fullPath?: string): { data: unknown; folderName: string } {
  const file = readUserFile(fullPath ?? shownPath, cwd);
  let data: unknown;
  try {
    data = JSON.parse(file.text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const position = message.match(/position (\d+)/);
    const where: Partial<InputIssue> = position ? lineCol(file.text, Number(position[1])) : {};
    const what = /end of JSON input/i.test(message) ? 'it ends too soon' : position ? 'unexpected text here' : 'unexpected text';
    throw new InputError([{ file: shownPath, ...where, message: `not valid JSON (${what}); give a Hugging Face config.json` }]);
  }
  const full = isAbsolute(shownPath) ? shownPath : resolve(cwd, shownPath);
  return { data, folderName: basename(dirname(full)) };
}

/**
 * A config.json a command-line flag or argument names, read into a model: its problems are an
 * InputError (exit 2), its warnings go to `warn`.
 */
export function configModelAt(shownPath: string, cwd: string, warn: (issue: InputIssue) => void): ConfigModel & { model: ModelArch } {
  const { data, folderName } = readModelConfig(shownPath, cwd);
  const parsed = modelFromHfConfig(shownPath, data, folderName);
  if (!parsed.model) throw new InputError(parsed.issues);
  for (const w of parsed.warnings) warn(w);
  return { ...parsed, model: parsed.model };
}

/**
 * Reads the config.json a parsed spec's `model` names (relative to the spec's folder, and inside it
 * or a folder `access` allows), for spec normalisation. A file that cannot be opened is reported
 * at the spec line that names it, as "not readable" whatever the cause.
 */
export function modelConfigForSpec(source: YamlSource, specPath: string, cwd: string, access: SpecAccess = { allow: [] }): SpecContext['modelConfig'] {
  const written = modelConfigPath((source.data as { model?: unknown } | null)?.model);
  if (written === undefined || written === '') return undefined;
  const shown = isAbsolute(written) ? written : join(dirname(specPath), written);
  const field = typeof (source.data as { model?: unknown }).model === 'object' ? ['model', 'config'] : ['model'];
  const full = specFilePath(source, field, written, specPath, cwd, access);
  try {
    return { written, shown, ...readModelConfig(shown, cwd, full) };
  } catch (err) {
    return atSpecField(err, full, shown, source, field, written);
  }
}
