import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Authority } from '../../src/authority/authority.js';
import { type SigningKey, generateSigningKey } from '../../src/crypto/ed25519.js';
import { aumHash, encodeAUM } from '../../src/model/aum.js';
import { FileStore } from '../../src/store/file-store.js';
import { hashToBase32 } from '../../src/wire/base32.js';
import { decodeRecoveryBlob, encodeRecoveryBlob } from '../../cli/recovery-blob.js';
import { dirSnapshot, makeTempDir, removeTempDirs } from '../support/temp-dirs.js';
import { writeKey } from './authority-fixture.js';
import { jsonOf, tlock } from './tlock-process.js';

afterAll(removeTempDirs);

const pub = (k: SigningKey): string => `tlpub:${Buffer.from(k.publicKey).toString('hex')}`;

/**
 * Three admins, each with a state directory holding the same chain: genesis (A: 2 votes, B: 1,
 * C: 2), then A trusts X, which turns out compromised. A recovery forks from the genesis; the
 * AUM it must beat (A's, 2 votes there) outweighs B alone, not B and C.
 */
async function setUp(): Promise<{
  a: string;
  b: string;
  c: string;
  x: SigningKey;
  genesis: string;
  addX: string;
}> {
  const [A, B, C, X] = [
    generateSigningKey(),
    generateSigningKey(),
    generateSigningKey(),
    generateSigningKey(),
  ];
  const a = makeTempDir('tlock-cli-');
  const store = await FileStore.open(join(a, 'tka'));
  const { authority } = await Authority.create(
    store,
    {
      lastAUMHash: null,
      disablementValues: [new Uint8Array(32).fill(3)],
      keys: [
        { kind: 1, votes: 2, public: A.publicKey },
        { kind: 1, votes: 1, public: B.publicKey },
        { kind: 1, votes: 2, public: C.publicKey },
      ],
    },
    A,
  );
  const genesis = authority.head;
  await authority.inform(
    store,
    await authority.newUpdater(A).addKey({ kind: 1, votes: 1, public: X.publicKey }).finalize(store),
  );
  writeKey(a, A);
  const b = makeTempDir('tlock-cli-');
  const c = makeTempDir('tlock-cli-');
  cpSync(join(a, 'tka'), join(b, 'tka'), { recursive: true });
  cpSync(join(a, 'tka'), join(c, 'tka'), { recursive: true });
  writeKey(b, B);
  writeKey(c, C);
  return { a, b, c, x: X, genesis, addX: authority.head };
}

const trusted = async (dir: string): Promise<string[]> =>
  (
    (jsonOf(await tlock(['status', '--json', '--dir', dir])) as { TrustedKeys: { Public: string }[] })
      .TrustedKeys ?? []
  ).map((k) => k.Public);

describe('tlock revoke-keys', () => {
  it('start, cosign, finish: the recovery wins once it has the votes, and X is no longer trusted', async () => {
    const { a, b, c, x, genesis, addX } = await setUp();

    const start = await tlock(['revoke-keys', pub(x), '--yes', '--dir', b]);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toMatch(/^tlock-recovery-v1:[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{11}\n$/);
    expect(start.stderr).toContain(
      `Forks from:   ${genesis}, leaving behind the 1 AUM after it (head ${addX})`,
    );
    expect(start.stderr).toContain(`Revokes:      ${pub(x)}`);
    expect(start.stderr).toContain(
      'Votes:        1 at the fork point; the AUM it replaces has 2 votes: it does not win yet',
    );
    const blob1 = join(b, 'recovery.txt');
    writeFileSync(blob1, start.stdout);

    // Not enough votes yet: --finish refuses, and nothing changes.
    const before = dirSnapshot(a);
    const early = await tlock(['revoke-keys', '--finish', `file:${blob1}`, '--yes', '--dir', a]);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(
      'not enough votes: the recovery AUM has 1 at the fork point, the AUM it would replace 2 (a tie goes to the lower hash)',
    );
    expect(dirSnapshot(a)).toEqual(before);

    // C cosigns (from stdin, with --json): 3 votes against 2.
    const cosign = await tlock(['revoke-keys', '--cosign', '-', '--yes', '--json', '--dir', c], {
      input: start.stdout,
    });
    expect(cosign.code, cosign.stderr).toBe(0);
    const doc = jsonOf(cosign) as Record<string, unknown>;
    expect(doc).toMatchObject({
      ForkFrom: genesis,
      OnActiveChain: true,
      Dropped: 1,
      Revokes: [pub(x)],
      Votes: 3,
      VotesToBeat: 2,
      Wins: true,
    });
    expect((doc['Signatures'] as { KeyID: string }[]).map((s) => s.KeyID)).toHaveLength(2);
    const fingerprint = /Recovery AUM ([A-Z2-7]{52})/.exec(start.stderr)![1];
    expect(doc['Fingerprint']).toBe(fingerprint); // the same AUM, whoever signs

    // A applies it.
    const finish = await tlock(['revoke-keys', '--finish', doc['Blob'] as string, '--yes', '--dir', a]);
    expect(finish.code, finish.stderr).toBe(0);
    const recovery = hashToBase32(aumHash(decodeRecoveryBlob(doc['Blob'] as string).aum));
    expect(finish.stdout).toBe(`Recovery completed.\nRevoked ${pub(x)}.\nHead: ${recovery} (was ${addX})\n`);
    expect(await trusted(a)).not.toContain(pub(x));
    expect(await trusted(a)).toHaveLength(3);
    const again = await tlock(['revoke-keys', '--finish', doc['Blob'] as string, '--dir', a]);
    expect(again.stdout).toContain('Already applied');
  });

  it('--cosign --finish together sign and then apply; Tailscale’s hex blobs are read (with a warning)', async () => {
    const { c, b, x } = await setUp();
    const start = await tlock(['revoke-keys', pub(x), '--yes', '--dir', b]);
    const hexBlob = Buffer.from(encodeAUM(decodeRecoveryBlob(start.stdout).aum))
      .toString('hex')
      .toUpperCase();
    const r = await tlock(['revoke-keys', '--cosign', hexBlob, '--finish', hexBlob, '--yes', '--dir', c]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("Tailscale's hex form");
    expect(r.stdout).toContain('Recovery completed.');
    expect(await trusted(c)).not.toContain(pub(x));
  });

  it('refuses damaged, cut, forged and doubly signed blobs, leaving the store as it was', async () => {
    const { b, c, x } = await setUp();
    const blob = (await tlock(['revoke-keys', pub(x), '--yes', '--dir', b])).stdout.trim();
    const { aum } = decodeRecoveryBlob(blob);
    const forged = encodeRecoveryBlob({
      ...aum,
      state: {
        ...aum.state!,
        keys: [...aum.state!.keys!, { kind: 1, votes: 9, public: generateSigningKey().publicKey }],
      },
    });
    const mid = Math.floor(blob.length / 2);
    const before = dirSnapshot(c);
    for (const [arg, message] of [
      [blob.slice(0, mid), 'cut short'],
      [blob.slice(0, blob.lastIndexOf('.')), 'its checksum (after the last ".") is missing'],
      [blob.slice(0, mid) + (blob[mid] === 'A' ? 'B' : 'A') + blob.slice(mid + 1), 'checksum does not match'],
      [blob.replace('tlock-recovery-v1:', 'tlock-recovery-v2:'), 'not a recovery blob'],
      [forged, 'the blob was changed after that admin signed it'],
    ] as const) {
      for (const mode of ['--cosign', '--finish']) {
        const r = await tlock(['revoke-keys', mode, arg, '--yes', '--dir', c]);
        expect(r.code, `${mode} ${message}`).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr, `${mode} ${message}`).toContain(message);
      }
    }
    const twice = await tlock(['revoke-keys', '--cosign', blob, '--yes', '--dir', b]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('has already signed this recovery AUM');
    expect(dirSnapshot(c)).toEqual(before);
  });

  it('asks first, and refuses bad usage: status 2 with nothing changed', async () => {
    const { a, b, x } = await setUp();
    const before = dirSnapshot(b);
    for (const [args, message] of [
      [[pub(x)], 'add --yes'],
      [[], 'give the keys to revoke'],
      [['--fork-from', 'AAAA', '--cosign', 'x'], '--fork-from goes with the keys'],
      [[pub(x), '--cosign', 'x'], 'not both'],
      [[`${pub(x)}?2`, '--yes'], 'without ?votes'],
      [['tlpub:00', '--yes'], 'is not a key'],
      [[pub(generateSigningKey()), '--yes'], 'nothing to revoke'],
      [[pub(x), '--fork-from', 'NOT-A-HASH', '--yes'], 'AUM hash'],
    ] as const) {
      const r = await tlock(['revoke-keys', ...args, '--dir', b]);
      expect(r.code, message).toBe(2);
      expect(r.stderr, message).toContain(message);
    }
    expect(dirSnapshot(b)).toEqual(before);
    expect((await tlock(['revoke-keys', pub(x), '--yes', '--dir', a])).code).toBe(0); // A may start one too
  });
});
