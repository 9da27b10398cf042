import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from '../support/temp-dirs.js';
import { jsonOf, tlock } from './tlock-process.js';

afterAll(removeTempDirs);

/** Loads `script` in bash and completes each line of words (the last word being the one typed). */
function complete(script: string, lines: string[][], cwd: string): string[] {
  const file = join(cwd, 'completion.bash');
  writeFileSync(file, script);
  const calls = lines.map((words) => {
    const quoted = words.map((w) => `'${w}'`).join(' ');
    return `COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _tlock tlock '${words.at(-1)}' '${words.at(-2) ?? ''}'; echo "\${COMPREPLY[*]}"`;
  });
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', [`source ${file}`, ...calls].join('\n')], {
    cwd,
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').slice(0, lines.length);
}

describe('tlock completion', () => {
  it('bash: completes command words, options of the command typed, and files after value options', async () => {
    const r = await tlock(['completion', 'bash']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('complete -o default -F _tlock tlock');
    const cwd = makeTempDir('tlock-cli-');
    writeFileSync(join(cwd, 'chain.json'), '{}');
    const [all, co, inspect, exportFlags, outFile, hookFlags, helpWord, done] = complete(
      r.stdout,
      [
        ['tlock', ''],
        ['tlock', 'co'],
        ['tlock', 'inspect', ''],
        ['tlock', 'export', '--'],
        ['tlock', 'export', '--out', 'ch'],
        ['tlock', 'hook', '--'],
        ['tlock', 'help', 'comp'],
        ['tlock', 'help', 'status', ''],
      ],
      cwd,
    );
    const words = all!.split(' ');
    for (const w of [
      'keygen',
      'status',
      'inspect',
      'export',
      'import',
      'compact',
      'completion',
      'hook',
      '--help',
    ]) {
      expect(words).toContain(w);
    }
    expect(words.filter((w) => w === 'inspect')).toHaveLength(1); // one word for the whole group
    expect(co).toBe('compact completion');
    expect(inspect!.split(' ').sort()).toEqual(['aum', 'authkey', 'nks']);
    expect(exportFlags).toBe('--out --dir --json --help');
    expect(outFile).toBe('chain.json');
    expect(hookFlags).toBe(
      '--workers --max-line-bytes --server --node-key --sync-timeout --dir --json --help',
    );
    expect(helpWord).toBe('compact completion');
    expect(done).toBe('');
  });

  it('zsh: the bash function through bashcompinit', async () => {
    const [bash, zsh] = await Promise.all([tlock(['completion', 'bash']), tlock(['completion', 'zsh'])]);
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toContain('autoload -U +X bashcompinit && bashcompinit');
    const body = (s: string): string => s.slice(s.indexOf('_tlock_commands='));
    expect(body(zsh.stdout)).toBe(body(bash.stdout));
  });

  it('--json: every command with the options its --help lists', async () => {
    const table = jsonOf(await tlock(['completion', '--json'])) as {
      Name: string;
      Options: { Long: string }[];
    }[];
    const list = (await tlock(['--help'])).stdout;
    for (const { Name, Options } of table) {
      expect(list).toContain(`  ${Name} `);
      if (['export', 'hook'].includes(Name)) {
        const help = (await tlock([...Name.split(' '), '--help'])).stdout;
        for (const o of Options) expect(help, `${Name} ${o.Long}`).toContain(o.Long);
      }
    }
  });

  it('refuses a shell it does not know: status 2', async () => {
    const r = await tlock(['completion', 'fish']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('give bash or zsh');
  });
});
