import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type SigningKey, signNodeKey } from '../../src/index.js';
import { b64, newNodeKey, nodeKeyText } from '../nks-fixtures.js';
import { makeTempDir, removeTempDirs } from '../support/temp-dirs.js';
import { stateDirWithAuthority } from './authority-fixture.js';
import { HookProcess } from './hook-process.js';

// The built `tlock hook` answers with the map response's own bytes when it passes the response on
// whole and JSON.parse lost nothing of it; otherwise with what it judged: spliced from the line's
// bytes when it read the line from them (plain JSON), else as JSON.stringify writes it.

afterEach(removeTempDirs);

async function authorityDir(): Promise<{ dir: string; admin: SigningKey }> {
  const dir = makeTempDir('tlock-hook-quoting-');
  const { self } = await stateDirWithAuthority(dir);
  return { dir, admin: self };
}

/** A hook on a directory that never held an authority: it passes responses through. */
function hookWithoutAuthority(): HookProcess {
  return new HookProcess(['--dir', join(makeTempDir('tlock-hook-quoting-'), 'none'), '--workers', '0']);
}

/** A peer's members as JSON text, signed by `admin` unless it is undefined. */
function peerText(id: number, admin: SigningKey | undefined): string {
  const key = newNodeKey();
  const sig = admin === undefined ? '' : `, "KeySignature" : ${JSON.stringify(b64(signNodeKey(admin, key)))}`;
  return `{ "ID": ${id}, "Name": "n\\u0031", "Key": ${JSON.stringify(nodeKeyText(key))}${sig}, "User": 123456789012345678901 }`;
}

/** Whether the answer's "netmap" member is `line` itself. */
function quotedNetmap(answer: string, line: string): boolean {
  return answer.startsWith(`{"netmap":${line},`);
}

describe('tlock hook answers with the response itself when it passes it on whole', () => {
  it('quotes a wholly signed response byte for byte: spacing, escapes and a 21-digit number as the server wrote them', async () => {
    const { dir, admin } = await authorityDir();
    const hook = new HookProcess(['--dir', dir, '--workers', '0']);
    const line = `{ "Peers" : [ ${peerText(1, admin)}, ${peerText(2, admin)} ], "Domain": "ex\\u0061mple" }`;
    const answer = await hook.ask(line);
    expect(quotedNetmap(answer, line)).toBe(true);
    expect(JSON.parse(answer)).toMatchObject({ dropped: [], selfLockedOut: null, enabled: true });
    // The same text with CRLF: the CR is not part of the response.
    expect(quotedNetmap(await hook.ask(line + '\r'), line)).toBe(true);
    expect(await hook.end()).toBe(0);
  });

  it('writes what it judged when it drops a peer, the peers it keeps and the rest as the server wrote them', async () => {
    const { dir, admin } = await authorityDir();
    const hook = new HookProcess(['--dir', dir, '--workers', '0']);
    const [one, two, three, four] = [
      peerText(1, admin),
      peerText(2, undefined),
      peerText(3, admin),
      peerText(4, admin),
    ];
    const line = `{ "Peers" : [ ${one}, ${two}, ${three} ,\t${four} ], "Domain": "ex\\u0061mple", "Seq": 1.50 }`;
    const answer = await hook.ask(line);
    expect(quotedNetmap(answer, line)).toBe(false);
    expect(
      answer.startsWith(
        `{"netmap":{"Peers":[${one},${three} ,\t${four}],"Domain":"ex\\u0061mple","Seq":1.50},`,
      ),
    ).toBe(true);
    const parsed = JSON.parse(answer) as { netmap: { Peers: { ID: number }[] }; dropped: unknown[] };
    expect(parsed.netmap.Peers.map((p) => p.ID)).toEqual([1, 3, 4]);
    expect(parsed.dropped).toHaveLength(1);
    // The same peers in a response that is not plain JSON (an escaped key): written as JSON.stringify writes them.
    const escaped = line.replace('"Domain"', '"Dom\\u0061in"');
    const rewritten = JSON.parse(await hook.ask(escaped)) as { netmap: { Peers: { User: number }[] } };
    expect(rewritten.netmap.Peers.map((p) => p.User)).toEqual([
      123456789012345680000, 123456789012345680000, 123456789012345680000,
    ]);
    expect(await hook.end()).toBe(0);
  });

  it('does not quote a peer that repeats a key: the daemon reads one "ID", the one that was judged', async () => {
    const { dir, admin } = await authorityDir();
    const hook = new HookProcess(['--dir', dir, '--workers', '0']);
    // Go leaves ID 5 when a later "ID" is null; JSON.parse (and so the verifier) reads node 0.
    const line = `{"Peers":[${peerText(5, admin).replace(/ }$/, ', "ID": null }')}]}`;
    const answer = await hook.ask(line);
    expect(quotedNetmap(answer, line)).toBe(false);
    const netmapText = answer.slice('{"netmap":'.length, answer.indexOf(',"dropped":'));
    expect(netmapText.match(/"ID":/g)).toHaveLength(1);
    expect(JSON.parse(netmapText)).toMatchObject({ Peers: [{ ID: null }] });
    expect(await hook.end()).toBe(0);
  });

  it('does not quote a response that held invalid UTF-8', async () => {
    const { dir, admin } = await authorityDir();
    const hook = new HookProcess(['--dir', dir, '--workers', '0']);
    const line = `{"Peers":[${peerText(1, admin)}],"Domain":"x`;
    const bytes = Buffer.concat([Buffer.from(line), Buffer.from([0xc3]), Buffer.from('"}')]);
    const answer = await hook.ask(bytes);
    expect(answer).toContain('"Domain":"x\uFFFD"');
    expect(JSON.parse(answer)).toMatchObject({ dropped: [], enabled: true });
    expect(await hook.end()).toBe(0);
  });

  it('quotes a response it passes through unfiltered when the directory never held an authority', async () => {
    const hook = hookWithoutAuthority();
    const line = '{"Peers": [ {"ID": 1, "User": 123456789012345678901} ] }';
    const answer = await hook.ask(line);
    expect(answer).toBe(`{"netmap":${line},"dropped":[],"selfLockedOut":null,"enabled":false}`);
    expect(await hook.end()).toBe(0);
  });

  it('quotes each line’s own bytes while earlier answers still wait for a reader that stopped reading', async () => {
    const hook = hookWithoutAuthority();
    // Answers smaller than the output's buffer mark are queued without a wait when the pipe is
    // full: the memory holding a queued answer's line must not take the next line.
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ Domain: String(i).repeat(6000) }));
    hook.child.stdout.pause();
    hook.child.stdin.write(lines.map((l) => l + '\n').join(''));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    hook.child.stdout.resume();
    for (const line of lines) {
      expect(await hook.next()).toBe(`{"netmap":${line},"dropped":[],"selfLockedOut":null,"enabled":false}`);
    }
    expect(await hook.end()).toBe(0);
  });
});
