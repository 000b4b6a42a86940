import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TextFile } from '../input/load.js';
import { sourceFromData } from '../input/yaml-source.js';
import type { YamlSource } from '../input/yaml-source.js';
import { PACKAGE_ROOT, readPackageFile } from './files.js';

/** The presets parsed at build (scripts/bundle-presets.mjs), by path relative to the package root. */
interface PresetBundle {
  version: 1;
  files: Record<string, { size: number; mtimeMs: number; data: unknown }>;
}

let bundle: PresetBundle | null | undefined;

/** dist/presets.json, or null where the build did not write it. */
function presetBundle(): PresetBundle | null {
  if (bundle === undefined) {
    try {
      bundle = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'dist/presets.json'), 'utf8')) as PresetBundle;
    } catch {
      bundle = null;
    }
  }
  return bundle;
}

/**
 * A preset file of the package: its data as parsed at build when the file is unchanged since
 * (same size and mtime), else its text to parse now. Named by absolute path either way.
 */
export function readPresetFile(relativePath: string): TextFile | YamlSource {
  const entry = presetBundle()?.files[relativePath];
  const path = join(PACKAGE_ROOT, relativePath);
  if (entry && Object.hasOwn(presetBundle()!.files, relativePath)) {
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats && stats.size === entry.size && stats.mtimeMs === entry.mtimeMs) return sourceFromData(path, entry.data);
  }
  return readPackageFile(relativePath);
}
