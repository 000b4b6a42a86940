// dist, not src: planning starts solver threads, which load the built workers.
import { main } from '../dist/cli/main.js';
import { ROOT } from './helpers.js';

/**
 * Runs the CLI in this process (as bin/planner.js does, from the repository root): exit code,
 * both streams and the seconds it took. Colour is off unless `color`; `env` adds variables.
 */
export async function runPlanner(args: string[], env: Record<string, string> = {}, color = false): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: { ...(color ? { FORCE_COLOR: '1' } : { NO_COLOR: '1' }), ...env }, cwd: ROOT };
  const started = performance.now();
  const code = await main(['node', 'planner', ...args], io);
  return { code, stdout, stderr, seconds: (performance.now() - started) / 1000 };
}
