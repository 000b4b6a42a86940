#!/usr/bin/env node
// `npm run bench`: median wall time of `planner plan` on the example specs and on a large spec
// (test/bench/large.yaml: 9 GPU types, disaggregation on, 64 slices) and DeepSeek-V3 on H100s with
// an RDMA fabric (test/bench/deepseek-v3-h100.yaml: wide-EP candidates). Each spec runs RUNS times
// (default 5) as a fresh process, the way a user or a CI job runs it. SOLVER=javascript-lp-solver
// times the other MILP backend.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const runs = Number(process.env.RUNS ?? 5);
const solverArgs = process.env.SOLVER ? ['--solver', process.env.SOLVER] : [];
const specs = [
  ...readdirSync(`${root}presets/examples`).filter((f) => f.endsWith('.yaml')).sort().map((f) => `presets/examples/${f}`),
  'test/bench/large.yaml',
  ['test/bench/deepseek-v3-h100.yaml', '--catalog', 'test/bench/rdma-fabric.yaml'],
];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`planner plan${process.env.SOLVER ? ` --solver ${process.env.SOLVER}` : ''}, median of ${runs} runs (wall time of a fresh process)`);
for (const entry of specs) {
  const [spec, ...specArgs] = [entry].flat();
  const times = [];
  let summary = '';
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [`${root}bin/planner.js`, 'plan', spec, ...specArgs, '--format', 'json', ...solverArgs], { cwd: root, encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
    if (result.status !== 0) {
      console.error(`${spec}: exit ${result.status}\n${result.stderr}`);
      process.exit(1);
    }
    const plan = JSON.parse(result.stdout);
    summary = `$${plan.totalCostPerHour.toFixed(2)}/h, ${plan.workload.slices.length} slices, ${plan.solver.candidatesAfterPruning}/${plan.solver.candidates} candidates, ${plan.solver.status}`;
  }
  console.log(`${spec.padEnd(44)} ${median(times).toFixed(2)} s  (min ${Math.min(...times).toFixed(2)}, max ${Math.max(...times).toFixed(2)})  ${summary}`);
}
