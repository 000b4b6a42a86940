#!/usr/bin/env node
// `npm run bench:fidelity`: does the plan `planner plan` prints with default flags hold its SLOs
// in the project's own simulator, and is it tight?
//  1. holds: every example, test/bench/large.yaml and the stress specs in test/bench/fidelity/
//     are planned with default flags (verification on), the plan saved, and `planner simulate
//     --plan` run under seeds 1, 2 and 3 (each its default, percentile-sized duration);
//  2. tight: with planning.load_factor=1 the spec is planned again, and for every pool of more
//     than one instance the plan is simulated (seed 1) with one instance of it down: a pool is
//     tight when that makes some SLO miss. (TIGHT=0 skips this part.)
// SPECS=a.yaml,b.yaml limits the run to some specs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'planner-fidelity-'));
const yamls = (dir) => readdirSync(`${root}${dir}`).filter((f) => f.endsWith('.yaml')).sort().map((f) => `${dir}/${f}`);
const specs = process.env.SPECS ? process.env.SPECS.split(',') : [...yamls('presets/examples'), 'test/bench/large.yaml', ...yamls('test/bench/fidelity')];

function planner(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [`${root}bin/planner.js`, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** "TPOT p99 98.7%" for every SLO that misses. */
function misses(report) {
  return report.classes.flatMap((c) => c.slos.filter((s) => !s.holds).map((s) => `${c.name === 'default' ? '' : `${c.name} `}${s.metric.toUpperCase()} p${s.percentile} ${s.attainmentPercent}%`));
}

let held = 0;
let tightPools = 0;
let loosePools = 0;
for (const spec of specs) {
  const name = spec.split('/').pop().replace('.yaml', '');
  const planned = planner(['plan', spec, '--format', 'json']);
  if (planned.code !== 0 && !planned.stdout.startsWith('{')) {
    console.log(`${spec.padEnd(44)} no plan: ${planned.stderr.trim().split('\n').slice(-1)[0]}`);
    continue;
  }
  const plan = JSON.parse(planned.stdout);
  const path = join(tmp, `${name}.json`);
  writeFileSync(path, planned.stdout);
  const seeds = [1, 2, 3].map((seed) => JSON.parse(planner(['simulate', spec, '--plan', path, '--seed', String(seed), '--format', 'json']).stdout));
  const failed = seeds.map((r, i) => (r.holds ? null : `seed ${i + 1}: ${misses(r).join(', ')}`)).filter(Boolean);
  if (failed.length === 0) held++;
  const v = plan.verification;
  console.log(
    `${spec.padEnd(44)} ${failed.length === 0 ? 'holds' : 'MISSES'}  $${plan.totalCostPerHour.toFixed(2)}/h, ${plan.pools.length} pools, ${plan.totals.gpus} GPUs, ${v ? `${v.rounds} round${v.rounds === 1 ? '' : 's'}` : 'not verified'}, plan ${planned.seconds.toFixed(2)} s${failed.length > 0 ? `\n${' '.repeat(46)}${failed.join('; ')}` : ''}`,
  );
  if (process.env.TIGHT === '0') continue;
  const hot = planner(['plan', spec, '--set', 'planning.load_factor=1', '--format', 'json']);
  if (!hot.stdout.startsWith('{')) continue;
  const hotPath = join(tmp, `${name}-hot.json`);
  writeFileSync(hotPath, hot.stdout);
  const hotPlan = JSON.parse(hot.stdout);
  const verdicts = hotPlan.pools.map((pool, i) => {
    if (pool.count === 1) return `#${i + 1} single`;
    const report = JSON.parse(planner(['simulate', spec, '--plan', hotPath, '--down', `#${i + 1}=1`, '--format', 'json']).stdout);
    if (report.holds) loosePools++;
    else tightPools++;
    return `#${i + 1} ${report.holds ? 'LOOSE' : 'tight'}`;
  });
  console.log(`${' '.repeat(46)}load_factor 1: $${hotPlan.totalCostPerHour.toFixed(2)}/h; one instance down: ${verdicts.join(', ')}`);
}
console.log(`\n${held} of ${specs.length} specs hold under seeds 1-3; with load_factor 1, ${tightPools} of ${tightPools + loosePools} pools of several instances miss an SLO with one instance down`);
