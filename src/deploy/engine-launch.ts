import type { EngineLaunch } from './launch.js';
import type { LaunchPool } from './pools.js';
import { sglangLaunch } from './sglang.js';
import { trtllmLaunch } from './trtllm.js';
import type { DeployInput } from './types.js';
import { vllmLaunch } from './vllm.js';

/** The launch of one instance of a pool on the input's engine. */
export function engineLaunch(lp: LaunchPool, input: DeployInput): EngineLaunch {
  switch (input.engine) {
    case 'vllm':
      return vllmLaunch(lp, input);
    case 'sglang':
      return sglangLaunch(lp, input);
    case 'trtllm':
      return trtllmLaunch(lp, input);
  }
}
