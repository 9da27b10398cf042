import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { signAUM } from '../../src/authority/aum-signing.js';
import { ControlClient } from '../../src/control/client.js';
import { bootstrapFromServer } from '../../src/control/node-bootstrap.js';
import { FileStore } from '../../src/store/file-store.js';
import { stateOf, trusted } from '../authority/helpers.js';
import { snapshot } from '../control/fixtures.js';
import { makeTempDir } from '../support/temp-dirs.js';
import { expectTlockError } from '../support/tlock-error.js';
import { B, GENESIS, HostileServer, b64, nameOf } from './hostile-server.js';

// Attack: replay of an old genesis. The tailnet was re-initialised (new genesis G2, after the
// old keys leaked); a node is told to pin G2. The server hands it the old genesis G1, whose keys
// the attacker holds. The pinned node refuses with PIN_MISMATCH and stores nothing; the twin, the
// server giving G2, starts the node.

const G2 = signAUM({ messageKind: 5, prevAUMHash: null, state: stateOf([trusted(B)], [33n, 44n]) }, B);

async function bootstrapPinned(genesisServed: typeof GENESIS, pin: string) {
  const server = await HostileServer.start((endpoint) =>
    endpoint === 'bootstrap' ? { GenesisAUM: b64(genesisServed) } : {},
  );
  const dir = makeTempDir('tlock-attack-');
  const store = await FileStore.open(join(dir, 'tka'));
  const client = new ControlClient(server.url);
  try {
    return { dir, store, result: bootstrapFromServer(client, store, { pin }) };
  } finally {
    client.close();
  }
}

describe('attack: replay of an old genesis to a pinned node', () => {
  it('the old genesis G1 to a node pinned to G2: PIN_MISMATCH, nothing stored', async () => {
    const { dir, store, result } = await bootstrapPinned(GENESIS, nameOf(G2));
    const e = await expectTlockError(result, 'PIN_MISMATCH');
    expect(e.message).toContain(nameOf(GENESIS));
    expect(await store.heads()).toEqual([]);
    expect(snapshot(dir)).toEqual([]);
  });

  it('the twin: G2 to the node pinned to G2 starts it at G2', async () => {
    const { result } = await bootstrapPinned(G2, nameOf(G2));
    const { authority } = await result;
    expect(authority.head).toBe(nameOf(G2));
  });
});
