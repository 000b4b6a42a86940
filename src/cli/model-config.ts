import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { InputError } from '../spec/issues.js';
import type { InputIssue } from '../spec/issues.js';
import { modelConfigPath } from '../spec/service-spec.js';
import type { SpecContext } from '../spec/service-spec.js';
import type { YamlSource } from '../spec/yaml-source.js';
import { readUserFile } from './files.js';

/** Line and column of a character offset in a text (1-based). */
function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

/** Reads and parses a Hugging Face config.json; a missing or malformed file is an InputError naming it. */
export function readModelConfig(shownPath: string, cwd: string): { data: unknown; folderName: string } {
  const file = readUserFile(shownPath, cwd);
  let data: unknown;
  try {
    data = JSON.parse(file.text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const position = message.match(/position (\d+)/);
    const where: Partial<InputIssue> = position ? lineCol(file.text, Number(position[1])) : {};
    throw new InputError([{ file: shownPath, ...where, message: `not valid JSON (${message.replace(/^JSON\.parse: /, '')}); give a Hugging Face config.json` }]);
  }
  const full = isAbsolute(shownPath) ? shownPath : resolve(cwd, shownPath);
  return { data, folderName: basename(dirname(full)) };
}

/**
 * Reads the config.json a parsed spec's `model` names (relative to the spec's folder), for spec
 * normalisation. A file that cannot be found or read is reported at the spec line that names it.
 */
export function modelConfigForSpec(source: YamlSource, specPath: string, cwd: string): SpecContext['modelConfig'] {
  const written = modelConfigPath((source.data as { model?: unknown } | null)?.model);
  if (written === undefined || written === '') return undefined;
  const shown = isAbsolute(written) ? written : join(dirname(specPath), written);
  try {
    return { written, shown, ...readModelConfig(shown, cwd) };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new InputError(
      err.issues.map((issue) =>
        issue.file === shown && issue.line === undefined && /^(file not found|is a directory|is not a regular file|cannot read)/.test(issue.message)
          ? source.issueAt(['model'], `model: ${written}: ${issue.message.replace('give a YAML file', 'give a config.json')}`)
          : issue,
      ),
    );
  }
}
