import { plainText } from '../report/escape.js';
import { ENGINE_NAMES, planSummary, poolRoutes, poolSummary, prefixCacheSummary, verificationSummary } from './describe.js';
import { engineLaunch } from './engine-launch.js';
import { wordParts } from './launch.js';
import { pdRouterFunction } from './pd-router.js';
import { speculativeSummary } from './speculative.js';
import type { Word } from './launch.js';
import type { LaunchPool } from './pools.js';
import type { RoutingTable } from './routing-table.js';
import type { DeployFile, DeployInput } from './types.js';

/** A word safe to write bare in a POSIX shell. */
const BARE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes literal text for a POSIX shell (single quotes; a quote inside becomes '\''). */
export function shellQuote(text: string): string {
  if (text !== '' && BARE.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** How the script expands each node variable. */
const SHELL_VARS = {
  NODE_RANK: '"${NODE_RANK:?set NODE_RANK to the rank of this node in the instance (1, 2, ...)}"',
  LEADER_ADDRESS: '"${LEADER_ADDRESS:?set LEADER_ADDRESS to the address of the first node}"',
  FILES_DIR: '"${FILES_DIR}"',
} as const;

/** One word of a command in shell syntax, node variables expanded by the shell. */
function shellWord(word: Word): string {
  return wordParts(word).map((part) => (typeof part === 'string' ? shellQuote(part) : SHELL_VARS[part.var])).join('');
}

/** A command over several lines: its program and positional words first, then one flag per line. */
function shellCommand(words: Word[], indent: string, exec: boolean): string {
  if (!exec) return `${indent}${words.map(shellWord).join(' ')}`;
  const lines: string[] = [];
  let line = `${indent}${exec ? 'exec ' : ''}`;
  let started = false;
  for (const word of words) {
    if (word.startsWith('--') && started) {
      lines.push(`${line} \\`);
      line = `${indent}  ${shellWord(word)}`;
    } else {
      line += `${started ? ' ' : ''}${shellWord(word)}`;
    }
    started = true;
  }
  lines.push(`${line}${exec ? ' "$@"' : ''}`);
  return lines.join('\n');
}

/** A shell function name from a pool name. */
const functionName = (lp: LaunchPool, worker = false) => `pool_${lp.name.replace(/-/g, '_')}${worker ? '_worker' : ''}`;

/** A here-document that writes `text` to `path`, or to stdout (the delimiter cannot occur in the text). */
function hereDoc(path: string | null, text: string, indent: string): string {
  let delimiter = 'PLANNER_EOF';
  while (text.includes(delimiter)) delimiter += '_';
  return `${indent}cat${path ? ` > ${path}` : ''} <<'${delimiter}'\n${text.endsWith('\n') ? text : `${text}\n`}${delimiter}`;
}

/** The functions that start one instance (and its other nodes) of a pool. */
function poolFunctions(lp: LaunchPool, input: DeployInput): string {
  const launch = engineLaunch(lp, input);
  const out: string[] = [];
  const body = (commands: Word[][]) =>
    commands.map((cmd, i) => shellCommand(cmd, '  ', i === commands.length - 1)).join('\n');
  const files = launch.files.map((f) => hereDoc(`"\${FILES_DIR}/${f.name}"`, f.text, '  '));
  const setup = files.length > 0 ? `  mkdir -p "\${FILES_DIR}"\n${files.join('\n')}\n` : '';
  out.push(plainText(`# ${lp.pool.id}: ${poolSummary(lp)}.`));
  out.push(plainText(`# Serves routes ${poolRoutes(input.plan, lp.pool.id)}; context up to ${lp.pool.launch.maxModelLen} tokens.`));
  out.push(`${functionName(lp)}() {\n${setup}${body(launch.leader)}\n}`);
  if (launch.worker) {
    out.push(plainText(`# Nodes 1..${lp.nodes - 1} of an instance of ${lp.pool.id} (LEADER_ADDRESS: node 0's address).`));
    out.push(`${functionName(lp, true)}() {\n${setup}${body(launch.worker)}\n}`);
  }
  return out.join('\n');
}

/**
 * A bash script that starts one instance of any pool of the plan on the machine it runs on
 * (`./launch.sh POOL`), the other nodes of a multi-node instance (`POOL-worker`), and prints
 * the routing table (`routing`) and the pools (`pools`).
 */
export function launchScript(input: DeployInput, pools: LaunchPool[], routing: RoutingTable, scriptName: string): DeployFile {
  const engine = ENGINE_NAMES[input.engine];
  const gpuVar = (lp: LaunchPool) => (lp.gpu.vendor === 'amd' ? 'HIP_VISIBLE_DEVICES' : 'CUDA_VISIBLE_DEVICES');
  const width = Math.max(...pools.map((lp) => lp.name.length + (lp.nodes > 1 ? 7 : 0)), 4);
  const poolLines = pools.map((lp) => `#   ${lp.name.padEnd(width)}  ${poolSummary(lp)}`);
  const cases = pools.flatMap((lp) => [
    `  ${lp.name}) shift; ${functionName(lp)} "$@" ;;`,
    ...(lp.nodes > 1 ? [`  ${lp.name}-worker) shift; ${functionName(lp, true)} "$@" ;;`] : []),
  ]);
  const listing = pools.map((lp) => `${lp.name}\t${lp.pool.count}\t${lp.pool.gpusPerInstance}\t${lp.gpu.id}\t${lp.pool.role}`).join('\n');
  const disaggregated = pools.some((lp) => lp.pool.role !== 'colocated');
  const router = disaggregated ? pdRouterFunction(input.engine, input.engine === 'sglang' ? 8000 : input.engineInfo.port + 1) : null;
  const header = [
    `# ${engine} launch script for the plan ${input.plan.name ? `"${input.plan.name}" ` : ''}(${input.planFile}), written by planner deploy.`,
    `# Write it again rather than edit it: planner deploy ${input.planFile} --target ${input.target}`,
    '#',
    `# The plan: ${planSummary(input.plan)}.`,
    `# It ${verificationSummary(input.plan, input.engine)}.`,
    ...(prefixCacheSummary(input.plan) ? [`# ${prefixCacheSummary(input.plan)}`] : []),
    `# Model: ${input.model.path}.`,
    ...(input.speculative ? [`# Drafting: ${speculativeSummary(input.speculative)}.`] : []),
    '#',
    '# Pools (start each replica on GPUs of its own):',
    ...poolLines,
    '#',
    '# Usage:',
    `#   ${scriptName} POOL [FLAGS...]   start one instance of POOL here (pick its GPUs with`,
    `#                                 ${[...new Set(pools.map(gpuVar))].join(' or ')}; extra flags go to ${engine}, e.g. --port 8001)`,
    ...(pools.some((lp) => lp.nodes > 1) ? [`#   ${scriptName} POOL-worker       on each other node of a multi-node instance (LEADER_ADDRESS, NODE_RANK)`] : []),
    `#   ${scriptName} routing           print the routing table (JSON) for the gateway in front of the pools`,
    `#   ${scriptName} pools             list the pools: name, replicas, GPUs per instance, GPU type, role`,
    ...(router ? [`#   ${scriptName} pd-router         start ${engine}'s prefill/decode router (PREFILL_URLS, DECODE_URLS)`] : []),
    ...(disaggregated ? ['#', '# Prefill and decode pools hand requests over through a P/D-aware router (llm-d, the engine\'s', '# own, or your gateway with the routing table): it sends a prompt to a prefill instance, then to a decode one.'] : []),
    ...(disaggregated && input.engine === 'vllm'
      ? ['# NIXL: set VLLM_NIXL_SIDE_CHANNEL_HOST to the address other machines reach this one by, and give each', '# instance on one machine its own VLLM_NIXL_SIDE_CHANNEL_PORT (default 5600) as well as its own --port.']
      : []),
  ].map(plainText);
  const text = [
    '#!/usr/bin/env bash',
    ...header,
    'set -euo pipefail',
    'FILES_DIR="${FILES_DIR:-${TMPDIR:-/tmp}/planner-deploy}"',
    '',
    ...pools.map((lp) => `${poolFunctions(lp, input)}\n`),
    ...(router ? [router, ''] : []),
    'routing_table() {',
    hereDoc(null, JSON.stringify(routing, null, 2), '  '),
    '}',
    '',
    'case "${1:-}" in',
    ...cases,
    ...(router ? ['  pd-router) shift; pd_router "$@" ;;'] : []),
    '  routing) routing_table ;;',
    `  pools) printf '%s\\n' ${listing.split('\n').map((l) => shellQuote(l)).join(' ')} ;;`,
    `  *) echo "usage: ${scriptName} POOL [FLAGS...] | routing | pools  (pools: ${pools.map((lp) => lp.name).join(', ')})" >&2; exit 2 ;;`,
    'esac',
    '',
  ].join('\n');
  return { name: scriptName, text };
}
