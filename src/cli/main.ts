import { Command, CommanderError } from 'commander';
import { terminalMessage, terminalOutput } from '../report/escape.js';
import { InputError, formatIssue, sortIssues } from '../input/issues.js';
import { registerAccuracyCommands } from './commands/accuracy.js';
import { registerCatalogCommands } from './commands/catalog.js';
import { registerCheck } from './commands/check.js';
import { registerDeploy } from './commands/deploy.js';
import { registerPlanFileCommands } from './commands/diff.js';
import { registerEstimate } from './commands/estimate.js';
import { registerPlan } from './commands/plan.js';
import { registerSweep } from './commands/sweep.js';
import { registerValidate } from './commands/validate.js';
import { registerSimulate } from './commands/simulate.js';
import { registerWorkload } from './commands/workload.js';
import { EXIT } from './exit-codes.js';
import type { ExitCode } from './exit-codes.js';
import type { Action, GlobalOptions } from './command-types.js';
import { readPackageFile } from './files.js';
import { createOutput, processIo } from './output.js';
import type { Io, Output } from './output.js';

/** Runs the CLI with `argv` (as process.argv) and returns the exit code. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('planner');
  const version = (JSON.parse(readPackageFile('package.json').text) as { version: string }).version;
  program
    .description('Capacity planner for LLM serving: the cheapest set of GPUs that serves your traffic within its latency targets.')
    .version(version, '-V, --version', 'print the version')
    .option('--no-color', 'no colour, even on a terminal (NO_COLOR also works)')
    .option('-q, --quiet', 'print nothing on stderr but errors')
    .option('--debug', 'print stack traces of internal errors')
    .option('--no-fail', 'exit 0 when a check fails or no plan meets the SLOs, after printing (report-only CI steps)')
    .showHelpAfterError('(run planner --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(terminalOutput(s, false, 'message')) });

  /** Wraps a command body so errors become messages and exit codes. */
  const action = <A extends unknown[]>(body: Action<A>) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const globals = command.optsWithGlobals<GlobalOptions>();
      const out = createOutput(io, globals);
      try {
        exitCode = await body({ io, out }, ...(args.slice(0, -1) as A));
      } catch (err) {
        exitCode = reportError(err, out, globals.debug === true);
      }
      if (exitCode === EXIT.failed && globals.fail === false) exitCode = EXIT.ok;
    };

  registerPlan(program, action);
  registerCheck(program, action);
  registerPlanFileCommands(program, action);
  registerSweep(program, action);
  registerValidate(program, action);
  registerWorkload(program, action);
  registerSimulate(program, action);
  registerDeploy(program, action);
  registerCatalogCommands(program, action);
  registerEstimate(program, action);
  registerAccuracyCommands(program, action);

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    return reportError(err, createOutput(io, {}), argv.includes('--debug'));
  }
  return exitCode;
}

/** Prints an error the way its kind deserves (the message as terminal text: it may quote input) and returns the matching exit code. */
function reportError(err: unknown, out: Output, debug: boolean): ExitCode {
  if (err instanceof InputError) {
    for (const issue of sortIssues(err.issues)) out.error(terminalMessage(formatIssue(issue)));
    return EXIT.badInput;
  }
  const message = terminalMessage(err instanceof Error ? err.message : String(err));
  out.error(`${out.paintErr.red('planner: internal error:')} ${message}`);
  if (debug && err instanceof Error && err.stack) out.error(err.stack);
  else out.error('(this is a bug in planner; run again with --debug for the stack trace)');
  return EXIT.internal;
}
