/** Process exit codes, as documented in the README. */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** A check failed, or no plan meets the SLOs. */
  failed: 1,
  /** Bad input: YAML syntax, schema, unknown ids, impossible units, missing files. */
  badInput: 2,
  /** A bug in planner. */
  internal: 3,
} as const;

/** One of the documented exit codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
