import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNodeKeySignature } from '../../src/model/nks.js';
import { dirSnapshot, makeTempDir, removeTempDirs } from '../support/temp-dirs.js';
import { adminDir, fixtureKeyFile, fixtureNetmap, fixturePub } from './fixture-dirs.js';
import { onTerminal } from './terminal.js';
import { jsonOf, tlock } from './tlock-process.js';

afterAll(removeTempDirs);

const nodeKey = (n: number): string => `nodekey:${n.toString(16).padStart(2, '0').repeat(32)}`;
const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

describe('tlock sign nodekey and verify nodekey', () => {
  it('prints one base64 signature per node key, in argument order, each verifying', async () => {
    const dir = adminDir();
    const before = dirSnapshot(dir);
    const keys = [nodeKey(1), nodeKey(2), nodeKey(3)];
    const r = await tlock(['sign', 'nodekey', '--dir', dir, ...keys]);
    expect(r.code).toBe(0);
    const sigs = r.stdout.trimEnd().split('\n');
    expect(sigs).toHaveLength(3);
    for (const [i, s] of sigs.entries()) {
      expect(s).toMatch(B64);
      const nks = decodeNodeKeySignature(Buffer.from(s, 'base64'));
      expect(Buffer.from(nks.pubkey!.subarray(2)).toString('hex')).toBe(keys[i]!.slice(8));
      expect(nks.wrappingPubkey).toBeUndefined();
      const v = await tlock(['verify', 'nodekey', '--dir', dir, keys[i]!, s]);
      expect(v.code).toBe(0);
      expect(v.stdout).toContain(`is authorised: direct signature by trusted key ${fixturePub('adminA')}`);
    }
    expect(dirSnapshot(dir)).toEqual(before); // signing changes no AUM
  });

  it('--json gives [{NodeKey, Signature}]; --rotation puts the node key in WrappingPubkey', async () => {
    const dir = adminDir();
    const rot = fixturePub('nodeTL');
    const doc = jsonOf(
      await tlock(['sign', 'nodekey', '--dir', dir, '--json', '--rotation', rot, nodeKey(9)]),
    ) as {
      NodeKey: string;
      Signature: string;
    }[];
    expect(doc).toHaveLength(1);
    expect(Object.keys(doc[0]!)).toEqual(['NodeKey', 'Signature']);
    expect(doc[0]!.NodeKey).toBe(nodeKey(9));
    const nks = decodeNodeKeySignature(Buffer.from(doc[0]!.Signature, 'base64'));
    expect(`tlpub:${Buffer.from(nks.wrappingPubkey!).toString('hex')}`).toBe(rot);
  });

  it('reads node keys and signatures from file:PATH and -', async () => {
    const dir = adminDir();
    const file = join(makeTempDir('tlock-cli-'), 'nk.txt');
    writeFileSync(file, `${nodeKey(4)}\n`);
    const sig = (await tlock(['sign', 'nodekey', '--dir', dir, `file:${file}`])).stdout.trim();
    const sigFile = join(makeTempDir('tlock-cli-'), 'sig.b64');
    writeFileSync(sigFile, sig + '\n');
    expect((await tlock(['verify', 'nodekey', '--dir', dir, nodeKey(4), `file:${sigFile}`])).code).toBe(0);
    expect((await tlock(['verify', 'nodekey', '--dir', dir, nodeKey(4), '-'], { input: sig })).code).toBe(0);
    const both = await tlock(['verify', 'nodekey', '--dir', dir, '-', '-'], { input: nodeKey(4) });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('already used');
  });

  it('verify nodekey: 1 refused (reason on stderr), 2 malformed', async () => {
    const dir = adminDir();
    const sig = (await tlock(['sign', 'nodekey', '--dir', dir, nodeKey(5)])).stdout.trim();
    const wrongKey = await tlock(['verify', 'nodekey', '--dir', dir, nodeKey(6), sig]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stdout).toBe('');
    expect(wrongKey.stderr).toContain('NOT authorised (WRONG_NODE_KEY)');
    const byOutsider = await tlock([
      'sign',
      'nodekey',
      '--dir',
      adminDir(),
      '--key',
      `file:${fixtureKeyFile('outsider')}`,
      nodeKey(5),
    ]);
    expect(byOutsider.code).toBe(2); // the outsider is not trusted: it may not sign
    const json = await tlock(['verify', 'nodekey', '--dir', dir, nodeKey(6), sig, '--json']);
    expect(json.code).toBe(1);
    expect(jsonOf(json)).toMatchObject({ NodeKey: nodeKey(6), Authorized: false, Reason: 'WRONG_NODE_KEY' });
    for (const args of [
      ['nodekey:zz', sig],
      [nodeKey(5), 'not base64!'],
      [nodeKey(5), Buffer.from('garbage').toString('base64')],
    ]) {
      const r = await tlock(['verify', 'nodekey', '--dir', dir, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
    }
  });

  it('sign nodekey refuses bad input with status 2', async () => {
    const dir = adminDir();
    for (const [args, message] of [
      [[], 'name the node keys'],
      [['nodekey:12'], 'is not a node key'],
      [['--rotation', 'tlpub:00', nodeKey(1)], '--rotation'],
      [['--rotation', `tlpub:${'00'.repeat(32)}`, nodeKey(1)], 'small-order'],
      [['--from-netmap', fixtureNetmap('mixed.json'), nodeKey(1)], 'not both'],
    ] as const) {
      const r = await tlock(['sign', 'nodekey', '--dir', dir, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
  });
});

describe('tlock sign nodekey --from-netmap', () => {
  it('lists the refused peers and needs --yes without a terminal', async () => {
    const dir = adminDir();
    const r = await tlock(['sign', 'nodekey', '--dir', dir, '--from-netmap', fixtureNetmap('mixed.json')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('4 nodes in the map response are not accepted');
    for (const name of ['unsigned', 'forged', 'by-outsider', 'by-losing-branch-key'])
      expect(r.stderr).toContain(name);
    expect(r.stderr).not.toContain('rotated-old-key'); // obsolete keys are never signed again
    expect(r.stderr).toContain('add --yes');
  });

  it('with --yes signs them; afterwards the netmap with those signatures passes verify netmap', async () => {
    const dir = adminDir();
    const r = await tlock(['sign', 'nodekey', '--dir', dir, '--from-netmap', '-', '--yes', '--json'], {
      input: readFileSync(fixtureNetmap('mixed.json'), 'utf8'),
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const pairs = jsonOf(r) as { NodeKey: string; Signature: string }[];
    expect(pairs).toHaveLength(4);
    const netmap = JSON.parse(readFileSync(fixtureNetmap('mixed.json'), 'utf8')) as {
      Peers: { Key: string; KeySignature?: string }[];
    };
    for (const p of netmap.Peers) {
      const s = pairs.find((x) => x.NodeKey === p.Key);
      if (s !== undefined) p.KeySignature = s.Signature;
    }
    const file = join(makeTempDir('tlock-cli-'), 'resigned.json');
    writeFileSync(file, JSON.stringify(netmap));
    const v = jsonOf(await tlock(['verify', 'netmap', '--dir', dir, file, '--json'])) as {
      Dropped: { Reason: string }[];
    };
    expect(v.Dropped.map((d) => d.Reason)).toEqual(['OBSOLETE_ROTATION']);

    const text = await tlock([
      'sign',
      'nodekey',
      '--dir',
      dir,
      '--from-netmap',
      fixtureNetmap('mixed.json'),
      '--yes',
    ]);
    expect(text.stdout.trimEnd().split('\n')).toHaveLength(4);
    expect(text.stdout).toMatch(/^nodekey:[0-9a-f]{64} [A-Za-z0-9+/]+=*$/m);
  });

  it('signs this node too when it is locked out; nothing to sign is status 0 and []', async () => {
    const dir = adminDir();
    const self = JSON.parse(readFileSync(fixtureNetmap('self-locked-out.json'), 'utf8')) as {
      Node: { Key: string };
    };
    const r = await tlock([
      'sign',
      'nodekey',
      '--dir',
      dir,
      '--from-netmap',
      fixtureNetmap('self-locked-out.json'),
      '--yes',
      '--json',
    ]);
    expect((jsonOf(r) as { NodeKey: string }[]).map((p) => p.NodeKey)).toEqual([self.Node.Key]);
    const none = await tlock([
      'sign',
      'nodekey',
      '--dir',
      dir,
      '--from-netmap',
      fixtureNetmap('all-good.json'),
      '--json',
    ]);
    expect(none.code).toBe(0);
    expect(jsonOf(none)).toEqual([]);
  });

  it('asks on a terminal', async () => {
    const dir = adminDir();
    const r = await onTerminal(
      ['sign', 'nodekey', '--dir', dir, '--from-netmap', fixtureNetmap('mixed.json')],
      {
        waitFor: '[y/N]',
        answer: 'y\n',
      },
    );
    expect(r.code).toBe(0);
    expect(r.screen).toContain('Sign these 4 nodes?');
  });
});

describe('tlock verify netmap', () => {
  it('lists what it drops and why; status 0 even with drops', async () => {
    const dir = adminDir();
    const r = await tlock(['verify', 'netmap', '--dir', dir, fixtureNetmap('mixed.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Checked 8 peers against head [A-Z2-7]{52}: 3 accepted, 5 dropped\.$/m);
    const doc = jsonOf(
      await tlock(['verify', 'netmap', '--dir', dir, fixtureNetmap('mixed.json'), '--json']),
    ) as {
      Peers: number;
      Accepted: number;
      Dropped: { Name: string; Reason: string; NodeKey: string; ID: number }[];
      SelfLockedOut: null;
    };
    expect(doc.Peers).toBe(8);
    expect(doc.Accepted).toBe(3);
    expect(doc.SelfLockedOut).toBeNull();
    expect(doc.Dropped.map((d) => [d.Name.split('.')[0], d.Reason])).toEqual([
      ['unsigned', 'MISSING_SIGNATURE'],
      ['forged', 'BAD_SIGNATURE'],
      ['by-outsider', 'UNTRUSTED_KEY'],
      ['by-losing-branch-key', 'UNTRUSTED_KEY'],
      ['rotated-old-key', 'OBSOLETE_ROTATION'],
    ]);
    const good = await tlock(['verify', 'netmap', '--dir', dir, '-'], {
      input: readFileSync(fixtureNetmap('all-good.json'), 'utf8'),
    });
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('3 accepted, 0 dropped');
  });

  it('status 1 when the map response’s own node is locked out; 2 when it is not a map response', async () => {
    const dir = adminDir();
    const out = await tlock(['verify', 'netmap', '--dir', dir, fixtureNetmap('self-locked-out.json')]);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('This node is LOCKED OUT');
    const tmp = makeTempDir('tlock-cli-');
    for (const [content, message] of [
      ['{"Peers": [', 'is not JSON'],
      ['[1, 2]', 'got an array'],
    ] as const) {
      const f = join(tmp, 'bad.json');
      writeFileSync(f, content);
      const r = await tlock(['verify', 'netmap', '--dir', dir, f]);
      expect(r.code, content).toBe(2);
      expect(r.stderr, content).toContain(message);
    }
    const missing = await tlock(['verify', 'netmap', '--dir', dir, join(tmp, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does not exist');
  });
});
