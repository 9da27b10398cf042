import type fc from 'fast-check';
import { TlockError } from '../src/errors.js';

/*
 * A fuzz target: a fast-check property over hostile input to one entry point, with the
 * invariants every target shares (below). `npm test` runs each for `testRuns` inputs
 * (test/fuzz/fuzz.test.ts); `npm run fuzz` runs them for minutes (fuzz/run.ts).
 */
export interface FuzzTarget {
  name: string;
  /** What the inputs are, in one line, for the fuzz report. */
  about: string;
  /** Inputs tried inside `npm test`: enough to find the easy bugs, within a few seconds. */
  testRuns: number;
  /** Builds keys, chains or a server once; the property runs against them. */
  prepare(): Promise<PreparedTarget>;
}

export interface PreparedTarget {
  property: fc.IRawProperty<unknown, boolean>;
  close?: () => Promise<void>;
}

/** An invariant broken: the message says which and with what. */
export class FuzzFailure extends Error {
  override readonly name = 'FuzzFailure';
}

/** The most CPU one input may cost (issue: "no input costs more than 250 ms"). */
export const INPUT_BUDGET_MS = 250;

/** Rethrows anything that is not a TlockError as a FuzzFailure naming `what`. */
export function onlyTlockError(e: unknown, what: string): TlockError {
  if (e instanceof TlockError) return e;
  const detail = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
  throw new FuzzFailure(`${what} threw something other than a TlockError: ${detail}`);
}

/** Runs `fn`, turning any throw that is not a TlockError into a FuzzFailure; the TlockError is returned. */
export async function outcome<T>(
  what: string,
  fn: () => T | Promise<T>,
): Promise<{ value: T } | { error: TlockError }> {
  try {
    return { value: await fn() };
  } catch (e) {
    return { error: onlyTlockError(e, what) };
  }
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Runs `fn` and fails if it used more than INPUT_BUDGET_MS of this process's CPU time. CPU time,
 * not wall time, so that other processes on a loaded machine do not count; a run over budget is
 * tried once more (a garbage collection can land in any run), and only a second one over fails.
 * `fn` must be safe to run twice (every target's call is, on refusal and on acceptance).
 */
export async function withinBudget<T>(
  what: string,
  fn: () => T | Promise<T>,
  budgetMs = INPUT_BUDGET_MS,
): Promise<T> {
  let spent = 0;
  for (let attempt = 0; attempt < 2; attempt++) {
    const start = cpuMs();
    const result = await fn();
    spent = cpuMs() - start;
    if (spent <= budgetMs) return result;
  }
  throw new FuzzFailure(`${what} took ${spent.toFixed(0)} ms of CPU (budget ${budgetMs} ms), twice`);
}

/** Both shared invariants at once: the call stays in budget and throws nothing but TlockError. */
export function guarded<T>(
  what: string,
  fn: () => T | Promise<T>,
): Promise<{ value: T } | { error: TlockError }> {
  return withinBudget(what, () => outcome(what, fn));
}
