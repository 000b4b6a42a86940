import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPresetFile } from '../src/cli/preset-files.js';
import { parseYamlSource } from '../src/spec/yaml-source.js';
import { ROOT } from './helpers.js';

const presetPaths = ['presets/gpus.yaml', 'presets/engines.yaml', 'presets/deploy.yaml', ...readdirSync(join(ROOT, 'presets/models')).sort().map((n) => `presets/models/${n}`)];

describe('the presets bundled at build (dist/presets.json)', () => {
  it('hold exactly what the YAML sources say, and a run reads them from the bundle', () => {
    const bundle = JSON.parse(readFileSync(join(ROOT, 'dist/presets.json'), 'utf8')) as { files: Record<string, { data: unknown }> };
    expect(Object.keys(bundle.files).sort()).toEqual([...presetPaths].sort());
    for (const path of presetPaths) {
      const fresh = parseYamlSource(path, readFileSync(join(ROOT, path), 'utf8'));
      expect(fresh.issues, path).toEqual([]);
      expect(bundle.files[path]!.data, path).toEqual(fresh.data);
      const read = readPresetFile(path);
      // Unchanged since the build: the parsed data, named by its absolute path.
      expect('data' in read && read.file, path).toBe(join(ROOT, path));
    }
  });

  it('falls back to the YAML for a file the bundle does not know', () => {
    const read = readPresetFile('presets/examples/chat.yaml');
    expect('text' in read && read.text).toContain('chat-assistant');
  });
});
