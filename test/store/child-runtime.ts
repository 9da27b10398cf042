import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { makeTempDir } from '../support/temp-dirs.js';

// Child processes for the multi-process store tests run the current sources: src/ and the
// fixtures are transpiled (types stripped) into a temp directory whose node_modules links to the
// repository's. Node 20 cannot run TypeScript itself, and dist/ may be stale.

const repo = fileURLToPath(new URL('../../', import.meta.url));

function transpileTree(from: string, to: string): void {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    if (entry.isDirectory()) {
      transpileTree(source, join(to, entry.name));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      const out = ts.transpileModule(readFileSync(source, 'utf8'), {
        compilerOptions: {
          module: ts.ModuleKind.ES2022,
          target: ts.ScriptTarget.ES2022,
          verbatimModuleSyntax: true,
        },
        fileName: source,
      });
      mkdirSync(to, { recursive: true });
      writeFileSync(join(to, entry.name.replace(/\.ts$/, '.js')), out.outputText);
    }
  }
}

let built: string | undefined;

/** Builds the runtime once per test file; returns the path of a fixture script in it. */
export function fixtureScript(name: string): string {
  if (built === undefined) {
    const root = makeTempDir('tlock-children-');
    writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir');
    transpileTree(join(repo, 'src'), join(root, 'src'));
    const fixtures = join(repo, 'test', 'store', 'fixtures');
    transpileTree(fixtures, join(root, relative(repo, fixtures)));
    built = root;
  }
  return join(built, 'test', 'store', 'fixtures', name.replace(/\.ts$/, '.js'));
}

export interface Child {
  process: ChildProcess;
  /** Complete stdout lines so far. */
  lines: string[];
  stderr: () => string;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
  /** Resolves once at least `n` lines have arrived (or the process ended). */
  linesAtLeast: (n: number) => Promise<void>;
}

export function runFixture(name: string, args: string[]): Child {
  const child = spawn(process.execPath, [fixtureScript(name), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: dirname(fixtureScript(name)),
  });
  const lines: string[] = [];
  let partial = '';
  let err = '';
  const waiters: { n: number; resolve: () => void }[] = [];
  const wake = (ended: boolean): void => {
    for (const w of waiters.splice(0)) {
      if (ended || lines.length >= w.n) w.resolve();
      else waiters.push(w);
    }
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    wake(false);
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | string>((resolve) => {
    child.on('close', (code, signal) => {
      wake(true);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return {
    process: child,
    lines,
    stderr: () => err,
    exited,
    linesAtLeast: (n) =>
      new Promise<void>((resolve) => {
        waiters.push({ n, resolve });
        wake(child.exitCode !== null || child.signalCode !== null);
      }),
  };
}
