import { setFlagsFromString } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import highsModule from 'highs';
import type { Highs, InitOptions } from 'highs';
import { emptyRowHolds, toLpFormat } from './lp-format.js';
import { MIP_RELATIVE_GAP } from './lp.js';
import type { LinearProgram, LpSolution } from './lp.js';

// The package's types describe CommonJS interop (the loader under .default); its ESM build
// exports the loader itself as the default export.
type Loader = (options?: InitOptions) => Promise<Highs>;
const loadHighs: Loader = (highsModule as unknown as { default?: Loader }).default ?? (highsModule as unknown as Loader);
// A plan solves a few small programs in a short-lived process: V8's baseline WebAssembly compiler
// alone starts HiGHS far sooner than tiering up to the optimising one (measured: first solve
// 0.25 s instead of 0.8 s), which costs more than it saves here.
setFlagsFromString('--liftoff-only');
const highsReady = loadHighs();

/** HiGHS model status codes (highs.constants.modelStatus) this worker tells apart. */
const MODEL_STATUS = { optimal: 7, infeasible: 8, unboundedOrInfeasible: 9, timeLimit: 13, solutionLimit: 16 } as const;

/** Runs HiGHS (WebAssembly) on programs sent by the parent thread. */
parentPort?.on('message', async (message: { lp: LinearProgram; relax: boolean; softLimitMs: number; nodeLimit: number }) => {
  const { lp, relax, softLimitMs, nodeLimit } = message;
  const started = performance.now();
  const reply = (solution: Omit<LpSolution, 'seconds'>) =>
    parentPort!.postMessage({ ...solution, seconds: (performance.now() - started) / 1000 });
  if (lp.constraints.some((c) => Object.values(c.terms).every((v) => v === 0) && !emptyRowHolds(c))) {
    reply({ status: 'infeasible', values: {}, objective: Number.NaN });
    return;
  }
  try {
    const highs = await highsReady;
    // The model interface keeps the incumbent when the node limit stops the search (the
    // one-call interface drops it) and reports the node count and the gap.
    const solution = highs.withModel({ format: 'lp', data: toLpFormat(lp, relax) }, (model) => {
      model.options.set({
        time_limit: softLimitMs / 1000,
        output_flag: false,
        // With one thread (the WebAssembly build has no others) and a fixed seed, the same
        // nodes give the same answer: the node limit is the deterministic work limit.
        random_seed: 0,
        mip_max_nodes: nodeLimit,
        mip_rel_gap: MIP_RELATIVE_GAP,
        // Presolve pays on the examples' programs since the sub-MIP heuristics below are off:
        // every program the six examples' plans solve takes 0.75 s in all with it, 1.40 s without (chat
        // 0.16 against 0.37 s, multi-tenant 0.19 against 0.36 s); the large bench's take 1.0 s
        // against 0.84 s. Same optima everywhere (2026-12-02, liftoff, one thread, sequential).
        presolve: 'on',
        // Its RINS/RENS sub-MIPs and feasibility jump spend more than they save on these programs:
        // without them the examples' main MILPs solve 1.5–2.3× faster (median of 5 warm solves each,
        // same optimum), the large bench's 1.3× faster.
        mip_heuristic_run_rins: false,
        mip_heuristic_run_rens: false,
        mip_heuristic_run_feasibility_jump: false,
        // A restart presolves the program again after the root node: on these programs that costs
        // more than it saves (all the programs the examples and the large bench solve: 1.84 s in
        // all with it, 1.40 s without; multi-tenant's 162 → 72 ms, the large spec's 991 → 786 ms;
        // warm, liftoff, one thread; the same optima).
        mip_allow_restart: false,
      });
      const status = model.run().modelStatus;
      // primal_solution_status 2: a feasible primal solution exists.
      const feasible = Number(model.info.get('primal_solution_status')) === 2;
      const values: Record<string, number> = {};
      if (feasible) {
        const columns = model.getSolution().colValue;
        columns.forEach((value, i) => {
          if (value !== 0) values[model.getColName(i)] = value;
        });
      }
      const objective = feasible ? model.getObjectiveValue() : Number.NaN;
      // A MILP's proven bound (an LP's objective is its own bound).
      const bound = !relax && lp.integers.length > 0 && feasible ? Number(model.info.get('mip_dual_bound')) : objective;
      return { status, feasible, values, objective, bound };
    });
    const { status: code, feasible, values, objective, bound } = solution;
    const status =
      code === MODEL_STATUS.optimal
        ? 'optimal'
        : code === MODEL_STATUS.infeasible || code === MODEL_STATUS.unboundedOrInfeasible
          ? 'infeasible'
          : code === MODEL_STATUS.timeLimit && feasible
            ? 'time-limit'
            : code === MODEL_STATUS.solutionLimit && feasible
              ? 'work-limit'
              : 'failed';
    reply({ status, values, objective, ...(status === 'optimal' && Number.isFinite(bound) ? { bound } : {}) });
  } catch {
    reply({ status: 'failed', values: {}, objective: Number.NaN });
  }
});
