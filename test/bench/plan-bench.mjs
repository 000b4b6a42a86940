#!/usr/bin/env node
// `npm run bench`: median wall time of `planner plan` on the example specs and on a large spec
// (test/bench/large.yaml: 9 GPU types, disaggregation on, 64 slices) and DeepSeek-V3 on H100s with
// an RDMA fabric (test/bench/deepseek-v3-h100.yaml: wide-EP candidates). Each spec runs RUNS times
// (default 5) as a fresh process, the way a user or a CI job runs it, with --no-verify (the
// analytic plan; its ratio to `node -e 0`, measured in the same run) and with verification on, as
// by default. SOLVER=javascript-lp-solver times the other MILP backend. Then the other commands
// the README's Speed section quotes, each the median of RUNS fresh processes: validate, chat at
// 1,000 req/s, RAG at 256 slices (both --no-verify) and a 32-step rate sweep of chat.
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
const timed = (args) => {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  return { result, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
};
// The floor every fresh process pays, measured in the same run (the issue's yardstick).
const nodeFloor = median(Array.from({ length: runs }, () => timed(['-e', '0']).seconds));
console.log(`planner plan${process.env.SOLVER ? ` --solver ${process.env.SOLVER}` : ''}, median of ${runs} runs (wall time of a fresh process); node -e 0: ${nodeFloor.toFixed(2)} s`);
console.log(`${'spec'.padEnd(44)} ${'--no-verify'.padStart(11)}  ${'verified'.padStart(8)}  plan`);
for (const entry of specs) {
  const [spec, ...specArgs] = [entry].flat();
  const analytic = [];
  const verified = [];
  let summary = '';
  for (let i = 0; i < runs; i++) {
    for (const [times, extra] of [[analytic, ['--no-verify']], [verified, []]]) {
      const { result, seconds } = timed([`${root}bin/planner.js`, 'plan', spec, ...specArgs, '--format', 'json', ...extra, ...solverArgs]);
      times.push(seconds);
      if (result.status !== 0) {
        console.error(`${spec}: exit ${result.status}\n${result.stderr}`);
        process.exit(1);
      }
      const plan = JSON.parse(result.stdout);
      if (extra.length === 0) {
        const rounds = plan.verification ? `${plan.verification.rounds} round${plan.verification.rounds === 1 ? '' : 's'}` : 'not verified';
        summary = `$${plan.totalCostPerHour.toFixed(2)}/h, ${rounds}, ${plan.workload.slices.length} slices, ${plan.solver.candidatesAfterPruning}/${plan.solver.candidates} candidates, ${plan.solver.status}`;
      }
    }
  }
  const a = median(analytic);
  console.log(`${spec.padEnd(44)} ${`${a.toFixed(2)} s (${(a / nodeFloor).toFixed(1)}x)`.padStart(16)}  ${`${median(verified).toFixed(2)} s`.padStart(8)}  ${summary}`);
}

const others = [
  ['planner validate, chat', ['validate', 'presets/examples/chat.yaml']],
  ['chat at 1,000 req/s, --no-verify', ['plan', 'presets/examples/chat.yaml', '--set', 'workload.rate=1000', '--no-verify', '--format', 'json']],
  ['RAG at max_slices 256, --no-verify', ['plan', 'presets/examples/rag-long-context.yaml', '--set', 'planning.max_slices=256', '--no-verify', '--format', 'json']],
  ['planner sweep, chat over 32 rates', ['sweep', 'presets/examples/chat.yaml', '--rate', '1..64', '--steps', '32', '--format', 'json']],
];
console.log(`\nother commands, median of ${runs} runs (wall time of a fresh process)`);
for (const [label, args] of others) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const { result, seconds } = timed([`${root}bin/planner.js`, ...args, ...(args[0] === 'validate' ? [] : solverArgs)]);
    if (result.status !== 0) {
      console.error(`${label}: exit ${result.status}\n${result.stderr}`);
      process.exit(1);
    }
    times.push(seconds);
  }
  console.log(`${label.padEnd(44)} ${`${median(times).toFixed(2)} s`.padStart(16)}`);
}
