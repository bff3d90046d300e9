#!/usr/bin/env node
import 'reflect-metadata';
import { runMain } from './program.js';

runMain(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`${String(e)}\n`);
    process.exitCode = 1;
  },
);
