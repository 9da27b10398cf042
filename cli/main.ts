#!/usr/bin/env node
// The `tlock` command: cli/run.ts dispatches to the command named in cli/command-list.ts.
import { main } from './run.js';

process.exitCode = await main(process.argv.slice(2));
