// Preloaded by the benchmarks (node --import): prints the process's peak resident memory on exit.
import { resourceUsage } from 'node:process';

process.on('exit', () => process.stderr.write(`\nmax-rss-kib ${resourceUsage().maxRSS}\n`));
