import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { signNodeKey } from '../../src/index.js';
import { b64, newNodeKey, nodeKeyText } from '../nks-fixtures.js';
import { makeTempDir, removeTempDirs } from '../support/temp-dirs.js';
import { stateDirWithAuthority } from './authority-fixture.js';
import { HookProcess } from './hook-process.js';

// The hook runs its own path once at start on a made-up response (cli/hook-warm-up.ts): nothing
// of it may reach what the hook's verifier remembers of the daemon.

afterEach(removeTempDirs);

describe('tlock hook warm-up', () => {
  it.each([['0'], ['2']])(
    'leaves no made-up node behind (--workers %s): a patch for node 1 is skipped until node 1 is sent',
    async (workers) => {
      const dir = makeTempDir('tlock-hook-warm-');
      const { self: admin } = await stateDirWithAuthority(dir);
      const hook = new HookProcess(['--dir', dir, '--workers', workers]);
      await sleep(1000); // the warm-up runs before the first line is read, or the line waits for it
      const patch = { PeersChangedPatch: [{ NodeID: 1, Online: true }] };
      expect(await hook.askJSON(patch)).toMatchObject({ netmap: { PeersChangedPatch: [] }, dropped: [] });

      const key = newNodeKey();
      const peer = { ID: 1, Name: 'n1', Key: nodeKeyText(key), KeySignature: b64(signNodeKey(admin, key)) };
      expect(await hook.askJSON({ Peers: [peer] })).toMatchObject({ netmap: { Peers: [peer] }, dropped: [] });
      expect(await hook.askJSON(patch)).toMatchObject({
        netmap: { PeersChangedPatch: patch.PeersChangedPatch },
      });
      expect(await hook.end()).toBe(0);
    },
  );
});
