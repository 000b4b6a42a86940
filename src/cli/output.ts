import { Chalk } from 'chalk';
import type { ChalkInstance } from 'chalk';
import { terminalOutput } from '../report/escape.js';
import { EXIT } from './exit-codes.js';
import { writeErrorCause } from './write-file.js';

/** The process streams and environment the CLI talks to (injectable for tests). */
export interface Io {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
}

/** Where the CLI writes: data to stdout, messages to stderr, colour only where it belongs. */
export interface Output {
  /** Colours for stdout text (no-ops when colour is off). */
  paint: ChalkInstance;
  /** Colours for stderr text. */
  paintErr: ChalkInstance;
  /** Writes data to stdout (a trailing newline is added when missing). */
  data(text: string): void;
  /** Writes a message to stderr, unless --quiet. */
  info(text: string): void;
  /** Writes an error to stderr (even with --quiet). */
  error(text: string): void;
  /** Rewrites a one-line progress indicator on stderr, only on a terminal and never with --quiet. */
  progress(text: string, done: boolean): void;
}

/**
 * The real process streams and environment. A closed pipe (planner … | head) ends quietly; any
 * other failure to write stdout (a full disk) is a message on stderr and exit 2, never a stack
 * trace or a success that wrote nothing.
 */
export function processIo(): Io {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      if (stream === process.stdout) {
        try {
          process.stderr.write(`planner: cannot write to stdout: ${writeErrorCause(err)}\n`);
        } catch {
          // stderr is gone too: the exit code is all that is left.
        }
      }
      process.exit(EXIT.badInput);
    });
  }
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/**
 * Colour is on only for a TTY, never with NO_COLOR (any non-empty value) or --no-color;
 * FORCE_COLOR turns it on for pipes. chalk alone ignores NO_COLOR, so this decides for everything.
 */
export function wantsColor(stream: { isTTY?: boolean }, env: Io['env'], flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return stream.isTTY === true;
}

/**
 * Builds the output channel for one command run. Renderers escape the user's strings for their
 * format; as a last line of defence every write also loses escape sequences and controls (our
 * own colour stays where colour is on), so nothing from an input can drive the terminal.
 */
export function createOutput(io: Io, options: { color?: boolean; quiet?: boolean }): Output {
  const color = wantsColor(io.stdout, io.env, options.color);
  const colorErr = wantsColor(io.stderr, io.env, options.color);
  const paint = new Chalk({ level: color ? 1 : 0 });
  const paintErr = new Chalk({ level: colorErr ? 1 : 0 });
  const line = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);
  return {
    paint,
    paintErr,
    data: (text) => io.stdout.write(terminalOutput(line(text), color)),
    info: (text) => {
      if (!options.quiet) io.stderr.write(terminalOutput(line(text), colorErr, 'message'));
    },
    error: (text) => io.stderr.write(terminalOutput(line(text), colorErr, 'message')),
    progress: (text, done) => {
      if (!options.quiet && io.stderr.isTTY) io.stderr.write(`\r${text}${done ? '\n' : ''}`);
    },
  };
}
