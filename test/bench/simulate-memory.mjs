#!/usr/bin/env node
// `npm run bench:simulate-memory`: peak resident memory and wall time of `planner simulate` on the
// chat example at 1,000 req/s for 60, 300, 600 and 1,000 simulated seconds (60,000 to 1,000,000
// requests) — planned in the same process (`--no-verify`, the figure issue 17 asks for), and
// against a plan saved once (`--plan`, the simulation alone). Memory should stay flat in the
// number of requests. RUNS=… fresh processes each (default 1; the median is printed).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const runs = Number(process.env.RUNS ?? 1);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spec = 'presets/examples/chat.yaml';
const rate = ['--set', 'workload.rate=1000/s'];

/** Runs the CLI in a fresh process: wall seconds, peak RSS (MiB), stdout. */
function planner(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--import', `${root}test/bench/report-rss.mjs`, `${root}bin/planner.js`, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0 && result.status !== 1) {
    console.error(`planner ${args.join(' ')}: exit ${result.status}\n${result.stderr}`);
    process.exit(1);
  }
  const rss = Number(/max-rss-kib (\d+)/.exec(result.stderr)?.[1] ?? 0) / 1024;
  return { seconds, rss, stdout: result.stdout };
}

function row(label, args) {
  const results = Array.from({ length: runs }, () => planner(args));
  const report = JSON.parse(results[0].stdout);
  console.log(`${label.padEnd(44)} ${median(results.map((r) => r.seconds)).toFixed(1).padStart(5)} s  peak RSS ${median(results.map((r) => r.rss)).toFixed(0).padStart(4)} MiB  (${report.arrivals.requests.toLocaleString('en-US')} requests)`);
}

const dir = mkdtempSync(join(tmpdir(), 'planner-bench-'));
try {
  const plan = join(dir, 'plan.json');
  writeFileSync(plan, planner(['plan', spec, ...rate, '--no-verify', '--format', 'json']).stdout);
  console.log(`planner simulate ${spec} at 1,000 req/s, median of ${runs} fresh processes`);
  for (const seconds of [60, 300, 600, 1000]) row(`planned, --no-verify, --duration ${seconds}s`, ['simulate', spec, ...rate, '--duration', `${seconds}s`, '--no-verify', '--format', 'json']);
  for (const seconds of [60, 300, 600, 1000]) row(`--plan saved, --duration ${seconds}s`, ['simulate', spec, '--plan', plan, ...rate, '--duration', `${seconds}s`, '--format', 'json']);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
