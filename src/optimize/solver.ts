import { Worker } from 'node:worker_threads';
import { MIP_NODE_LIMIT } from './lp.js';
import type { LinearProgram, LpSolution } from './lp.js';

/** Solves linear and mixed-integer programs under a time limit. */
export interface LpSolver {
  /**
   * Solves `lp` (with its integer variables relaxed when `relax`) within `nodeLimit`
   * branch-and-bound nodes (default MIP_NODE_LIMIT; HiGHS only) and `timeLimitSeconds`.
   */
  solve(lp: LinearProgram, options: { timeLimitSeconds: number; relax?: boolean; nodeLimit?: number }): Promise<LpSolution>;
  /** Starts one solver thread now, so loading the solver overlaps the caller's own work. */
  warmUp(): void;
  /** Releases the solver's threads; solves still running, waiting or asked for later answer `failed` at once. */
  close(): Promise<void>;
}

/** The answer to a solve the solver was closed under (frozen: every such caller shares it). */
const CLOSED: LpSolution = Object.freeze({ status: 'failed', values: Object.freeze({}) as Record<string, number>, objective: Number.NaN, seconds: 0 });

/** The MILP solvers planner can use. */
export const SOLVERS = ['highs', 'javascript-lp-solver'] as const;
/** One of the MILP solvers. */
export type SolverName = (typeof SOLVERS)[number];

/**
 * A solver backend in worker threads. A solve that outlives the time limit is stopped by
 * terminating its thread (a fresh one serves the next) — javascript-lp-solver's first LP solve
 * cannot be interrupted otherwise; the backend's own limit is set a little earlier, so it usually
 * returns its best answer itself. Up to `threads` programs solve at once (the baselines beside
 * the main plan); results do not depend on which thread solves what. Closing answers every solve
 * still running, waiting for a thread or asked for later as `failed` (a speculative solve nobody
 * awaits any more, and what it asks next, must neither keep the process alive nor start a thread).
 */
export function createSolver(name: SolverName = 'highs', threads = 2): LpSolver {
  // Relative to dist/optimize/ as seen from this module or from the CLI bundle in dist/cli/.
  const script = name === 'highs' ? '../optimize/highs-worker.js' : '../optimize/jslp-worker.js';
  const idle: Worker[] = [];
  const busy = new Set<Worker>();
  const waiting: Array<() => void> = [];
  // How to answer each solve in progress as failed, for close().
  const running = new Set<() => void>();
  let closed = false;
  // Idle threads are unreferenced, so a command that fails before (or never) using one still exits.
  const start = () => {
    const worker = new Worker(new URL(script, import.meta.url));
    worker.unref();
    return worker;
  };
  const acquire = async (): Promise<Worker | undefined> => {
    while (!closed && idle.length === 0 && busy.size >= threads) await new Promise<void>((resolve) => waiting.push(resolve));
    if (closed) return undefined;
    const worker = idle.pop() ?? start();
    worker.ref();
    busy.add(worker);
    return worker;
  };
  const release = (worker: Worker, healthy: boolean) => {
    busy.delete(worker);
    worker.unref();
    if (healthy) idle.push(worker);
    else void worker.terminate();
    waiting.shift()?.();
  };
  return {
    warmUp() {
      if (!closed && idle.length + busy.size === 0) idle.push(start());
    },
    async solve(lp, { timeLimitSeconds, relax = false, nodeLimit = MIP_NODE_LIMIT }) {
      const worker = await acquire();
      if (!worker) return CLOSED;
      // Closed between acquire() taking the thread and this continuation: close() terminated it.
      if (closed) {
        void worker.terminate();
        return CLOSED;
      }
      const hardLimitMs = Math.max(50, timeLimitSeconds * 1000);
      return new Promise<LpSolution>((resolve) => {
        const finish = (solution: LpSolution, healthy: boolean) => {
          clearTimeout(timer);
          running.delete(abandon);
          worker.removeAllListeners('message');
          worker.removeAllListeners('error');
          release(worker, healthy);
          resolve(solution);
        };
        const abandon = () => finish(CLOSED, false);
        running.add(abandon);
        const timer = setTimeout(
          () => finish({ status: 'time-limit', values: {}, objective: Number.NaN, seconds: hardLimitMs / 1000 }, false),
          hardLimitMs,
        );
        worker.on('message', (solution: LpSolution) => finish(solution, true));
        worker.on('error', () => finish({ status: 'failed', values: {}, objective: Number.NaN, seconds: 0 }, false));
        worker.postMessage({ lp, relax, softLimitMs: hardLimitMs * 0.8, nodeLimit });
      });
    },
    async close() {
      closed = true;
      const workers = [...idle, ...busy];
      idle.length = 0;
      busy.clear();
      for (const abandon of [...running]) abandon();
      for (const wake of waiting.splice(0)) wake();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
