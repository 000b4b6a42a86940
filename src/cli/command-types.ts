import type { Command } from 'commander';
import type { ExitCode } from './exit-codes.js';
import type { Io, Output } from './output.js';

/** Options every command accepts. */
export interface GlobalOptions {
  color?: boolean;
  quiet?: boolean;
  debug?: boolean;
  /** false with --no-fail. */
  fail?: boolean;
}

/** What a command's body gets: the process streams and a ready output channel. */
export interface CommandRun {
  io: Io;
  out: Output;
}

/** A command body: returns its exit code, or throws (InputError → 2, anything else → 3). */
export type Action<A extends unknown[]> = (run: CommandRun, ...args: A) => ExitCode | Promise<ExitCode>;

/** Turns a command body into a commander action that records its exit code and reports errors. */
export type ActionWrapper = <A extends unknown[]>(body: Action<A>) => (...args: unknown[]) => Promise<void>;

/** Adds one or more commands to the program. */
export type Register = (program: Command, action: ActionWrapper) => void;

/** Collects a repeatable option's values (`--catalog a.yaml --catalog b.yaml`). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
