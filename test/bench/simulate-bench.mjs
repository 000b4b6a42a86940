#!/usr/bin/env node
// `npm run bench:simulate`: what simulation and trace reading cost.
//  1. `planner simulate` of 10 simulated minutes of the chat example at 10 and 100 req/s
//     (median wall time of RUNS fresh processes, default 3, and the requests simulated);
//  2. `planner plan --verify` on the examples (median wall time, rounds);
//  3. a 10-million-row BurstGPT-format trace (made by test/fixtures/traces/make-traces.mjs in a
//     temporary folder, ~600 MB): `planner workload` and `planner plan` on a spec naming it —
//     wall time and peak resident memory (ROWS=… to change the size).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const runs = Number(process.env.RUNS ?? 3);
const rows = Number(process.env.ROWS ?? 10_000_000);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs the CLI in a fresh process: wall seconds, peak RSS (MiB), stdout. */
function planner(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--import', `${root}test/bench/report-rss.mjs`, `${root}bin/planner.js`, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    console.error(`planner ${args.join(' ')}: exit ${result.status}\n${result.stderr}`);
    process.exit(1);
  }
  const rss = Number(/max-rss-kib (\d+)/.exec(result.stderr)?.[1] ?? 0) / 1024;
  return { seconds, rss, stdout: result.stdout };
}

function timed(label, args, describe) {
  const results = Array.from({ length: runs }, () => planner(args));
  const times = results.map((r) => r.seconds);
  console.log(`${label.padEnd(52)} ${median(times).toFixed(2)} s  (min ${Math.min(...times).toFixed(2)}, max ${Math.max(...times).toFixed(2)})  ${describe(JSON.parse(results[0].stdout))}`);
}

console.log(`planner simulate, median of ${runs} fresh processes`);
for (const rate of ['10/s', '100/s']) {
  timed(`chat example, 600 s at ${rate}`, ['simulate', 'presets/examples/chat.yaml', '--set', `workload.rate=${rate}`, '--format', 'json'], (r) => `${r.arrivals.requests} requests, ${r.pools.length} pools, holds: ${r.holds}`);
}
console.log(`\nplanner plan --verify, median of ${runs} fresh processes`);
for (const name of ['chat', 'code-completion', 'multi-tenant', 'rag-long-context']) {
  timed(`presets/examples/${name}.yaml`, ['plan', `presets/examples/${name}.yaml`, '--verify', '--format', 'json'], (p) => `${p.verification.rounds} rounds, $${p.totalCostPerHour.toFixed(2)}/h, holds: ${p.verification.holds}`);
}

const dir = mkdtempSync(join(tmpdir(), 'planner-bench-'));
try {
  const trace = join(dir, 'big.csv');
  const made = spawnSync(process.execPath, [`${root}test/fixtures/traces/make-traces.mjs`, '--rows', String(rows), '--out', trace, '--rate', '100']);
  if (made.status !== 0) throw new Error(made.stderr.toString());
  console.log(`\n${rows.toLocaleString('en-US')}-row trace (${(statSync(trace).size / 2 ** 20).toFixed(0)} MiB), one fresh process each`);
  const workload = planner(['workload', trace, '--format', 'json']);
  console.log(`planner workload                                     ${workload.seconds.toFixed(1)} s, peak RSS ${workload.rss.toFixed(0)} MiB  (${JSON.parse(workload.stdout).requests} requests)`);
  const spec = join(dir, 'spec.yaml');
  writeFileSync(spec, `model: llama-3.1-8b\nworkload:\n  trace: { file: big.csv, format: burstgpt }\nslo: { ttft: 1s, tpot: 50ms }\n`);
  const plan = planner(['plan', spec, '--format', 'json']);
  console.log(`planner plan (spec naming the trace)                 ${plan.seconds.toFixed(1)} s, peak RSS ${plan.rss.toFixed(0)} MiB  ($${JSON.parse(plan.stdout).totalCostPerHour.toFixed(2)}/h)`);
  const small = planner(['plan', 'presets/examples/chat.yaml', '--format', 'json']);
  console.log(`for scale, planner plan on the chat example          ${small.seconds.toFixed(1)} s, peak RSS ${small.rss.toFixed(0)} MiB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
