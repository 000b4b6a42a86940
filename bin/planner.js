#!/usr/bin/env node
import { loadBundle } from '../dist/cli/code-cache.js';
loadBundle().main(process.argv).then((code) => { process.exitCode = code; });
