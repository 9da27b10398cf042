import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from './hook-process.js';
import { makeTempDir, removeTempDirs } from '../support/temp-dirs.js';
import { jsonOf, tlock } from './tlock-process.js';

// The dispatcher, help, option parsing and exit statuses every command shares.

afterAll(removeTempDirs);

const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

describe('tlock (the dispatcher)', () => {
  it('with no command prints the usage on stderr and exits 2', async () => {
    const r = await tlock([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: tlock <command>');
  });

  it('--help lists the commands and every exit status', async () => {
    const r = await tlock(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['keygen', 'status', 'hook']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    for (const line of [
      '0    ok',
      '1    the answer is no',
      '2    bad usage',
      '3    storage or network',
      '130  interrupted',
    ]) {
      expect(r.stdout).toContain(line);
    }
  });

  it('every command has --help with an example, and --json (but the hook, which speaks JSON lines)', async () => {
    const list = (await tlock(['--help'])).stdout;
    const names = [...list.matchAll(/^ {2}([a-z][a-z-]*(?: [a-z-]+)?) {2,}/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const name of names) {
      const r = await tlock([...name.split(' '), '--help']);
      expect(r.code, name).toBe(0);
      expect(r.stdout, name).toMatch(/Examples?:\n {2}tlock /);
      if (name === 'hook') continue;
      expect(r.stdout, name).toContain('--json');
      expect(r.stdout, name).toContain('Exit status');
    }
    // One process per command, one after another: on a loaded 2-core machine each can take seconds.
  }, 120_000);

  it('"tlock help <command>" is "tlock <command> --help"', async () => {
    expect((await tlock(['help', 'status'])).stdout).toBe((await tlock(['status', '--help'])).stdout);
  });

  it('refuses unknown commands and options with status 2 and no stack trace', async () => {
    for (const args of [
      ['statu'],
      ['status', '--bogus'],
      ['status', 'extra'],
      ['--dir', 'x'],
      ['status', '--json=2'],
    ]) {
      const r = await tlock(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr, args.join(' ')).toMatch(/^tlock: /);
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
    expect((await tlock(['status', '--json=2'])).stderr).toContain('unrecognised version: 2');
  });

  it('reads --json as Tailscale does: --json, --json=1, --json=true; --json=false is text', async () => {
    const dir = makeTempDir('tlock-cli-');
    for (const flag of ['--json', '--json=1', '--json=true']) {
      expect(jsonOf(await tlock(['status', '--dir', dir, flag]))).toMatchObject({ Enabled: false });
    }
    expect((await tlock(['status', '--dir', dir, '--json=false'])).stdout).toBe(
      'Tailnet Lock is NOT enabled.\n\n',
    );
  });

  it('finds the state directory from --dir, then $TLOCK_DIR, then $XDG_STATE_HOME/tlock', async () => {
    const a = makeTempDir('tlock-cli-');
    const b = makeTempDir('tlock-cli-');
    const xdg = makeTempDir('tlock-cli-');
    const viaEnv = jsonOf(await tlock(['keygen', '--json'], { env: { TLOCK_DIR: a } })) as {
      KeyFile: string;
    };
    expect(viaEnv.KeyFile).toBe(`${a}/key`);
    const viaFlag = jsonOf(await tlock(['keygen', '--json', '--dir', b], { env: { TLOCK_DIR: a } })) as {
      KeyFile: string;
    };
    expect(viaFlag.KeyFile).toBe(`${b}/key`);
    const viaXdg = jsonOf(await tlock(['keygen', '--json'], { env: { XDG_STATE_HOME: xdg } })) as {
      KeyFile: string;
    };
    expect(viaXdg.KeyFile).toBe(`${xdg}/tlock/key`);
  });

  it('exits 130 on Ctrl-C (SIGINT)', async () => {
    const child = spawn(process.execPath, [
      CLI,
      'hook',
      '--dir',
      makeTempDir('tlock-cli-'),
      '--workers',
      '0',
    ]);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.write('{"Peers": []}\n');
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const code = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    child.kill('SIGINT');
    expect(await code).toBe(130);
    expect(stderr).toContain('interrupted');
  });
});
