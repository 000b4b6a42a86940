import { setFlagsFromString } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import highsModule from 'highs';
import type { Highs, InitOptions } from 'highs';
import { emptyRowHolds, toLpFormat } from './lp-format.js';
import type { LinearProgram, LpSolution } from './lp.js';

// The package's types describe CommonJS interop (the loader under .default); its ESM build
// exports the loader itself as the default export.
type Loader = (options?: InitOptions) => Promise<Highs>;
type HighsOptions = Parameters<Highs['solve']>[1];
const loadHighs: Loader = (highsModule as unknown as { default?: Loader }).default ?? (highsModule as unknown as Loader);
// A plan solves a few small programs in a short-lived process: V8's baseline WebAssembly compiler
// alone starts HiGHS far sooner than tiering up to the optimising one (measured: first solve
// 0.25 s instead of 0.8 s), which costs more than it saves here.
setFlagsFromString('--liftoff-only');
const highsReady = loadHighs();

/** Runs HiGHS (WebAssembly) on programs sent by the parent thread. */
parentPort?.on('message', async (message: { lp: LinearProgram; relax: boolean; softLimitMs: number }) => {
  const { lp, relax, softLimitMs } = message;
  const started = performance.now();
  const reply = (solution: Omit<LpSolution, 'seconds'>) =>
    parentPort!.postMessage({ ...solution, seconds: (performance.now() - started) / 1000 });
  if (lp.constraints.some((c) => Object.values(c.terms).every((v) => v === 0) && !emptyRowHolds(c))) {
    reply({ status: 'infeasible', values: {}, objective: Number.NaN });
    return;
  }
  try {
    const highs = await highsReady;
    const result = highs.solve(toLpFormat(lp, relax), {
      time_limit: softLimitMs / 1000,
      output_flag: false,
      random_seed: 0,
      threads: 1,
      // Our programs are small and already reduced (pruned candidates, merged slices): HiGHS's
      // presolve found nothing to gain and cost time — the large bench MILP solves in 1.3 s
      // without it against 2.5–3.9 s with it (same optimum).
      presolve: 'off',
      // Its RINS/RENS sub-MIPs and feasibility jump spend more than they save on these programs:
      // without them the examples' main MILPs solve 1.5–2.3× faster (median of 5 warm solves each,
      // same optimum), the large bench's 1.3× faster.
      mip_heuristic_run_rins: false,
      mip_heuristic_run_rens: false,
      mip_heuristic_run_feasibility_jump: false,
      // (HiGHS options the package's type does not list yet.)
    } as HighsOptions);
    const values: Record<string, number> = {};
    for (const [name, column] of Object.entries(result.Columns ?? {})) {
      const value = (column as { Primal?: number }).Primal;
      if (typeof value === 'number' && value !== 0) values[name] = value;
    }
    const hasValues = Object.keys(values).length > 0 || result.Status === 'Optimal';
    const status =
      result.Status === 'Optimal'
        ? 'optimal'
        : result.Status === 'Infeasible' || result.Status === 'Primal infeasible or unbounded'
          ? 'infeasible'
          : result.Status === 'Time limit reached' && hasValues
            ? 'time-limit'
            : 'failed';
    reply({ status, values, objective: result.ObjectiveValue });
  } catch {
    reply({ status: 'failed', values: {}, objective: Number.NaN });
  }
});
