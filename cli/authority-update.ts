import type { UpdateBuilder } from '../src/authority/builder.js';
import type { SigningKey } from '../src/crypto/ed25519.js';
import type { AUM } from '../src/model/aum.js';
import { underChangeLock } from './change-lock.js';
import { CliError } from './cli-error.js';
import { EXIT } from './exit-codes.js';
import { uninterrupted } from './interrupt.js';
import { loadSigningKey } from './key-file.js';
import type { LocalAuthority } from './local-authority.js';
import type { Output } from './output.js';
import type { ServerConnection, ServerOptionValues } from './server-connection.js';
import { connectServer, requireCurrentAuthority, withServer } from './server-options.js';
import { logMessageJSON, tlpubText } from './tslockjsonv1.js';

/** Refuses, before anything is built, a signer the authority would not accept updates from. */
export function requireTrustedSigner(local: LocalAuthority, signer: SigningKey, doing: string): void {
  if (!local.authority.keyTrusted(signer.publicKey)) {
    throw new CliError(
      EXIT.USAGE,
      'UNTRUSTED_KEY',
      `cannot ${doing}: this machine's key ${tlpubText(signer.publicKey)} is not trusted by the authority; ` +
        'run the command where a trusted key is (or give one with --key), or have an admin trust this key with "tlock add"',
    );
  }
}

/**
 * Signs the changes `build` makes as one update (with a checkpoint when one is due), checks it
 * against the authority and stores it all or nothing. Any refusal comes before a byte is written.
 * With a server (`conn`), the update is published first (Tailscale's interactive sync/send) and
 * stored here only once the server took it: a refused change leaves both sides as they were.
 * Runs under the state directory's change lock (change-lock.ts), so that two commands at once
 * never both sign an update on the same head.
 */
export async function signAndStore(
  local: LocalAuthority,
  signer: SigningKey,
  doing: string,
  build: (builder: UpdateBuilder) => void,
  conn?: ServerConnection,
): Promise<AUM[]> {
  requireTrustedSigner(local, signer, doing);
  return await underChangeLock(local, async () => {
    const builder = local.authority.newUpdater(signer);
    build(builder);
    const aums = await builder.finalize(local.store);
    if (conn === undefined) {
      await uninterrupted(() => local.authority.inform(local.store, aums));
    } else {
      const { publishChange } = await import('./server-connection.js');
      await publishChange(conn, local, aums);
    }
    return aums;
  });
}

/**
 * What a change command prints: its summary and the new head (and the server it was published
 * to), or `{Head, Updates}` (and `Server`) with --json.
 */
export function reportUpdates(
  out: Output,
  local: LocalAuthority,
  aums: AUM[],
  summary: string[],
  conn?: ServerConnection,
  moreJSON: Record<string, unknown> = {},
): void {
  if (out.json) {
    out.document({
      Head: local.authority.head,
      Updates: aums.map(logMessageJSON),
      Server: conn?.url,
      ...moreJSON,
    });
    return;
  }
  out.text(...summary, `Head: ${local.authority.head}`);
  if (conn !== undefined) out.text(`Published to ${conn.url}: the server's head is the same.`);
}

/** One change to the authority, as a command describes it to `updateAuthority`. */
export interface AuthorityChange {
  /** What the change does, for refusals: "cannot <doing>: …". */
  doing: string;
  /** Adds the change to the update being built. */
  build: (builder: UpdateBuilder) => void;
  /** The lines printed once it is stored (and published). */
  summary: string[];
}

/**
 * The whole of a command that makes one change to the authority (add, set-votes, set-meta):
 * loads this machine's key (or --key), connects to --server if given and syncs with it, signs and
 * stores the change (publishing it first with a server: `signAndStore`), and reports it.
 */
export async function updateAuthority(
  ctx: { stateDir: string; options: { key: string | undefined } & ServerOptionValues; out: Output },
  change: AuthorityChange,
): Promise<void> {
  const { stateDir, options, out } = ctx;
  const signer = await loadSigningKey(stateDir, options.key);
  const conn = await connectServer(stateDir, options);
  await withServer(conn, async () => {
    const local = await requireCurrentAuthority(stateDir, conn, out);
    const aums = await signAndStore(local, signer, change.doing, change.build, conn);
    reportUpdates(out, local, aums, change.summary, conn);
  });
}
