#!/usr/bin/env node
// `npm run bench:accuracy`: every accuracy figure the README quotes, from the commands a user
// would run.
//  1. end to end, in sample: the fixtures the H100 factors were fitted on (aiconfigurator's H100
//     closed loops, Splitwise's static batches);
//  2. end to end, AMD's MI300X vLLM table (whole-batch latency only; fitted jointly with 1), when
//     its fixture is present;
//  3. end to end, out of sample (nothing fitted on them): Oracle's MI300X latency table,
//     InferenceX's DeepSeek-R1 runs on B200 and H200 under TensorRT-LLM and NVIDIA NIM's
//     Llama-3.3-70B and Llama-3.1-8B tables on H100;
//  4. operator level: Vidur's A100 kernel timings in ../shared/data/vidur (the mechanisms' fit),
//     when that folder is beside the project.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = (title, args) => {
  const result = spawnSync(process.execPath, [`${root}bin/planner.js`, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  console.log(`## ${title}\n$ planner ${args.join(' ')}\n${result.stdout}${result.stderr}`);
  if (result.status !== 0) process.exitCode = 1;
};

const fixtures = 'test/fixtures/measurements/';
run('end to end, fitted on', ['accuracy', `${fixtures}aiconfigurator-h100.csv`, `${fixtures}splitwise.csv`, '--worst', '5']);
if (existsSync(`${root}${fixtures}mi300x-vllm.csv`)) run('end to end, MI300X (AMD vLLM table)', ['accuracy', `${fixtures}mi300x-vllm.csv`, '--worst', '5']);
run('end to end, out of sample: Llama 3.1 405B on MI300X (Oracle OCI)', ['accuracy', `${fixtures}mi300x-oci-vllm.csv`, '--worst', '5']);
run('end to end, out of sample: DeepSeek-R1 on B200 and H200 (InferenceX)', ['accuracy', `${fixtures}inferencex-deepseek.csv`, '--worst', '5']);
run('end to end, out of sample: Llama-3.3-70B and Llama-3.1-8B on H100 under NVIDIA NIM (TensorRT-LLM)', ['accuracy', `${fixtures}nim-h100.csv`, '--worst', '5']);
const vidur = `${root}../shared/data/vidur/`;
if (existsSync(vidur)) {
  const files = [...readdirSync(`${vidur}a100`).sort().map((f) => `../shared/data/vidur/a100/${f}`), '../shared/data/vidur/network/a100_dgx.all_reduce.csv', '../shared/data/vidur/network/a100_dgx.send_recv.csv'];
  run('operator level, A100 kernels (Vidur)', ['accuracy', ...files, '--gpu', 'a100-80gb', '--worst', '5']);
} else console.log('## operator level: ../shared/data/vidur not found, skipped');
