#!/usr/bin/env node
// Build step (after tsc): compiles each input schema into a standalone validator
// (dist/schemas/NAME.cjs, with the schemas it refers to), so a run does not spend ~100 ms
// compiling the spec schema with ajv, and loads only the validators it uses. Each records the
// size and mtime of the schema files: a run whose schemas changed since compiles them itself.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { plannerAjv } from '../dist/input/schema-check.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const names = ['spec', 'catalog', 'model', 'plan', 'deploy'];
const schemas = Object.fromEntries(names.map((name) => [name, JSON.parse(readFileSync(`${root}schemas/${name}.schema.json`, 'utf8'))]));
const sources = Object.fromEntries(names.map((name) => {
  const stats = statSync(`${root}schemas/${name}.schema.json`);
  return [name, { size: stats.size, mtimeMs: stats.mtimeMs }];
}));
mkdirSync(`${root}dist/schemas`, { recursive: true });
for (const name of names) {
  const ajv = plannerAjv({ code: { source: true, lines: false } });
  for (const schema of Object.values(schemas)) ajv.addSchema(schema);
  const code = standaloneCode(ajv, ajv.getSchema(schemas[name].$id));
  // The generated module reaches planner's keyword functions as `plannerKeywords`, given by the loader.
  writeFileSync(
    `${root}dist/schemas/${name}.cjs`,
    `"use strict";\nexports.sources = ${JSON.stringify(sources)};\nexports.load = function load(plannerKeywords) {\nconst module = { exports: {} };\nconst exports = module.exports;\n${code}\nreturn module.exports;\n};\n`,
  );
}
