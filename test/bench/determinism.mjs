#!/usr/bin/env node
// `npm run bench:determinism`: the same spec gives the same plan, byte for byte, on a quiet
// machine and on one kept busy by CPU burners (BURNERS, default 2) beside the planner — the
// property CI diffs rely on. Every example and the large bench spec under every
// planning.disaggregation mode, default flags (verification on). Exit 1 on any difference.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const burners = Number(process.env.BURNERS ?? 2);
const cases = [
  ...readdirSync(`${root}presets/examples`).filter((f) => f.endsWith('.yaml')).sort().map((f) => [`presets/examples/${f}`]),
  ...['auto', 'off', 'only'].map((mode) => ['test/bench/large.yaml', '--set', `planning.disaggregation=${mode}`]),
];

/** The plan's JSON (or its error) and a digest of it. */
function plan(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [`${root}bin/planner.js`, 'plan', ...args, '--format', 'json'], { cwd: root, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const text = `exit ${result.status}\n${result.stdout}${result.status === 0 ? '' : result.stderr}`;
  return { digest: createHash('sha256').update(text).digest('hex').slice(0, 12), seconds, status: result.status, solver: result.status === 0 ? JSON.parse(result.stdout).solver.status : '-' };
}

const quiet = cases.map(plan);
const spinners = Array.from({ length: burners }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
let busy;
try {
  busy = cases.map(plan);
} finally {
  for (const s of spinners) s.kill();
}
let differ = 0;
console.log(`planner plan, quiet against ${burners} CPU burners beside it`);
cases.forEach((args, i) => {
  const same = quiet[i].digest === busy[i].digest;
  if (!same) differ++;
  console.log(`${args.join(' ').padEnd(62)} exit ${quiet[i].status} ${quiet[i].solver.padEnd(10)} ${quiet[i].seconds.toFixed(2)} s / ${busy[i].seconds.toFixed(2)} s busy  ${same ? 'same bytes' : `DIFFERENT (${quiet[i].digest} vs ${busy[i].digest})`}`);
});
console.log(differ === 0 ? 'every plan is byte-identical under load' : `${differ} plan(s) differ under load`);
process.exit(differ === 0 ? 0 : 1);
