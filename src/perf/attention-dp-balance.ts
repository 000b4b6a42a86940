import type { EngineProfile } from '../input/types.js';

/**
 * TensorRT-LLM's attention-DP balance (attention_dp_config enable_balance; tech blog 10 "ADP
 * Balance Strategy"): a rank holding a new prompt waits, up to `timeout_iters` iterations, until
 * every other rank holds one too, so that the ranks prefill in the same iteration; then ranks
 * with fewer prompts wait up to `batching_wait_iters` more (charged in full here, an upper bound).
 *
 * The wait, with prompts reaching each of the n ranks as independent Poisson streams of rate λ
 * (what the 1 − (1 − ψ)^dp stretch assumes too) and τ = timeout_iters · t_iteration: a window
 * opens with a prompt on an idle scheduler and closes at R = min(τ, max of the n − 1 other ranks'
 * first arrivals W_j); every prompt that came in the window is released at R. Per window (F(t) =
 * 1 − e^{−λt}, H = 1 − F^{n−1}, G = 1 − F^{n−2}, integrals over [0, τ]):
 *  - prompts: E[K] = 1 + nλ E[R] (optional stopping: R ≤ τ is a stopping time), E[R] = ∫ H dt;
 *  - their waits: the opener's R, its own rank's later arrivals ∫₀^R N(t) dt with mean λE[R²]/2
 *    (E[R²] = ∫ 2t H dt), and per other rank (R − W_j)⁺ plus its later arrivals: E[(R − W_j)⁺] =
 *    ∫ G F dt, E[((R − W_j)⁺)²] = ∫ 2 G (t − F/λ) dt (their later arrivals are independent of R,
 *    which depends only on first arrivals).
 * The mean wait of a prompt is E[waits] / E[K] (renewal reward): τ at a vanishing rate (nobody
 * else comes), falling as traffic fills the ranks sooner.
 */
export interface AlignmentWait {
  /** Mean wait of a prompt for the other ranks (seconds). */
  meanSeconds: number;
  /** The p-quantile (0–1) of the wait of a prompt that opens a window (the longest in it): min(τ, quantile of the max of n − 1 exponentials). */
  quantileSeconds(p: number): number;
}

/** No wait: one rank, or balancing off. */
const NONE: AlignmentWait = { meanSeconds: 0, quantileSeconds: () => 0 };

/** Integration steps over [0, τ] (Simpson's rule; the integrands are smooth). */
const STEPS = 64;

/**
 * The alignment wait of a prompt on an instance of `ranks` attention-DP ranks, each receiving
 * `ratePerRank` prompts/s, whose iterations take `iterationSeconds`, under the engine's balance
 * settings (none: no wait).
 */
export function alignmentWait(engine: Pick<EngineProfile, 'attentionDpBalance'>, ranks: number, ratePerRank: number, iterationSeconds: number): AlignmentWait {
  const balance = engine.attentionDpBalance;
  if (!balance || ranks <= 1) return NONE;
  const tau = balance.timeoutIters * iterationSeconds;
  const extra = balance.batchingWaitIters * iterationSeconds;
  const n = ranks;
  const lambda = Math.max(ratePerRank, 0);
  if (tau <= 0) return { meanSeconds: extra, quantileSeconds: () => extra };
  if (lambda * tau < 1e-9) return { meanSeconds: tau + extra, quantileSeconds: () => tau + extra };
  const F = (t: number) => -Math.expm1(-lambda * t);
  let eR = 0;
  let eR2 = 0;
  let a = 0;
  let b = 0;
  const h = tau / STEPS;
  for (let i = 0; i <= STEPS; i++) {
    const t = i * h;
    const w = (i === 0 || i === STEPS ? 1 : i % 2 === 1 ? 4 : 2) * (h / 3);
    const f = F(t);
    const H = 1 - f ** (n - 1);
    const G = n > 2 ? 1 - f ** (n - 2) : 0;
    eR += w * H;
    eR2 += w * 2 * t * H;
    a += w * G * f;
    b += w * 2 * G * (t - f / lambda);
  }
  const waits = eR + (lambda * eR2) / 2 + (n - 1) * (a + (lambda * b) / 2);
  const prompts = 1 + n * lambda * eR;
  return {
    meanSeconds: waits / prompts + extra,
    quantileSeconds: (p: number) => Math.min(tau, -Math.log1p(-(Math.min(p, 1 - 1e-12) ** (1 / (n - 1)))) / lambda) + extra,
  };
}
