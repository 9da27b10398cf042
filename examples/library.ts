import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Authority,
  FileStore,
  NetmapVerifier,
  disablementKDF,
  encodeBase64,
  formatNodeKey,
  generateSigningKey,
  parseNodeKey,
  signNodeKey,
} from '../src/index.js';

const dir = await mkdtemp(join(tmpdir(), 'tlock-example-'));

// An admin creates an authority. A disablement secret is shown to the admin once; only its KDF
// output goes into the chain. State IDs are drawn at random.
const admin = generateSigningKey();
const disablementSecret = randomBytes(32);
const store = await FileStore.open(join(dir, 'tka')); // Tailscale's file layout
const { authority } = await Authority.create(
  store,
  {
    lastAUMHash: null,
    disablementValues: [await disablementKDF(disablementSecret)],
    keys: [{ kind: 1, votes: 1, public: admin.publicKey }],
  },
  admin,
);

// Every change is an AUM built on the head, then verified and stored all or nothing.
const secondAdmin = generateSigningKey();
const updates = await authority
  .newUpdater(admin)
  .addKey({ kind: 1, votes: 1, public: secondAdmin.publicKey })
  .finalize(store);
await authority.inform(store, updates);
console.log(`head ${authority.head}, ${authority.keys().length} trusted keys`);

// A trusted key signs a node's node key (the node reports it as "nodekey:<64 hex>").
const nodeKeyText = formatNodeKey(randomBytes(32));
const nodeKey = parseNodeKey(nodeKeyText);
const signature = signNodeKey(secondAdmin, nodeKey); // node-key signature (CBOR bytes)
const { keyID } = authority.nodeKeyAuthorized(nodeKey, signature); // throws TlockError if not
console.log(`signed by a trusted key: ${keyID.length === 32}`);

// The coordination server sends the signature in the peer's KeySignature field, as standard
// base64. Another node, with its own copy of the chain, filters the map responses it receives.
const mapResponse = {
  Peers: [
    { ID: 7, Name: 'signed', Key: nodeKeyText, KeySignature: encodeBase64(signature) },
    { ID: 8, Name: 'injected', Key: formatNodeKey(randomBytes(32)) },
  ],
};
const nodeView = await Authority.open(await FileStore.open(join(dir, 'tka')));
const { netmap, dropped } = new NetmapVerifier(nodeView).filter(mapResponse);
console.log(`kept ${JSON.stringify((netmap.Peers as { Name: string }[]).map((p) => p.Name))}`);
console.log(`dropped ${dropped.map((d) => `${d.name}: ${d.reason}`).join(', ')}`);

// The disablement secret turns Tailnet Lock off for the whole tailnet; nothing else does.
console.log(`disablement secret valid: ${await authority.validDisablement(disablementSecret)}`);

await rm(dir, { recursive: true, force: true });
