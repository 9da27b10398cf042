#!/usr/bin/env node
// The `tlock` command. Each subcommand lives in cli/commands/<name>.ts; this file wires them up.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runCli } from './run.js';

await runCli(yargs(hideBin(process.argv)));
