import type { Runnable } from './command-spec.js';

/**
 * Every `tlock` command: its name, its line in `tlock --help`, and how to load it. Modules load
 * only when their command runs, so start-up pays for one command, not all of them. To add a
 * command: write `cli/commands/<name>.ts` exporting `defineCommand({...})` as default, and add a
 * line here.
 */
export interface CommandEntry {
  /** The words that name it (`sign nodekey`). */
  name: string;
  /** Its line in `tlock --help`, and the first line of its own help. */
  summary: string;
  load(): Promise<Runnable>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'keygen',
    summary: "Create this machine's Tailnet Lock signing key (<dir>/key) and print its public key",
    load: () => import('./commands/keygen.js').then((m) => m.default),
  },
  {
    name: 'init',
    summary: 'Enable Tailnet Lock here: create the authority with its trusted keys and disablement secrets',
    load: () => import('./commands/init.js').then((m) => m.default),
  },
  {
    name: 'add',
    summary: "Trust more signing keys (one update, signed by this machine's key)",
    load: () => import('./commands/add.js').then((m) => m.default),
  },
  {
    name: 'remove',
    summary: 'Stop trusting signing keys (asks first; one update)',
    load: () => import('./commands/remove.js').then((m) => m.default),
  },
  {
    name: 'set-votes',
    summary: 'Change how many votes trusted keys have in fork resolution',
    load: () => import('./commands/set-votes.js').then((m) => m.default),
  },
  {
    name: 'set-meta',
    summary: "Replace a trusted key's metadata",
    load: () => import('./commands/set-meta.js').then((m) => m.default),
  },
  {
    name: 'status',
    summary: 'Show whether Tailnet Lock is enabled here, the head and the trusted keys',
    load: () => import('./commands/status.js').then((m) => m.default),
  },
  {
    name: 'log',
    summary: 'List the updates of the chain, newest first; --graph draws every branch and why it lost',
    load: () => import('./commands/log.js').then((m) => m.default),
  },
  {
    name: 'sign nodekey',
    summary: 'Sign node keys (or every refused peer of a captured map response)',
    load: () => import('./commands/sign-nodekey.js').then((m) => m.default),
  },
  {
    name: 'sign authkey',
    summary:
      'Make a pre-signed auth key: its one-time key is trusted, and a node joining with it signs itself',
    load: () => import('./commands/sign-authkey.js').then((m) => m.default),
  },
  {
    name: 'verify nodekey',
    summary: 'Check that a node-key signature authorises a node key (0 yes, 1 no)',
    load: () => import('./commands/verify-nodekey.js').then((m) => m.default),
  },
  {
    name: 'verify netmap',
    summary: 'Check a captured map response: which peers are refused, and why',
    load: () => import('./commands/verify-netmap.js').then((m) => m.default),
  },
  {
    name: 'sync',
    summary: 'Sync the authority with a coordination server (both ways; a node starts with --pin)',
    load: () => import('./commands/sync.js').then((m) => m.default),
  },
  {
    name: 'serve',
    summary: "Run a Tailnet Lock coordination server (Tailscale's /machine/tka/… messages)",
    load: () => import('./commands/serve.js').then((m) => m.default),
  },
  {
    name: 'disablement-kdf',
    summary: 'Derive the disablement value (disablement:<hex>) that an authority stores for a secret',
    load: () => import('./commands/disablement-kdf.js').then((m) => m.default),
  },
  {
    name: 'prune-preauth',
    summary: 'Remove pre-auth keys older than a given age, in one update (asks first)',
    load: () => import('./commands/prune-preauth.js').then((m) => m.default),
  },
  {
    name: 'revoke-keys',
    summary: 'Revoke compromised keys retroactively: make, cosign and apply a recovery AUM (asks first)',
    load: () => import('./commands/revoke-keys.js').then((m) => m.default),
  },
  {
    name: 'inspect aum',
    summary: 'Decode and explain an AUM (hex, base64, a file or stdin), and check it against the authority',
    load: () => import('./commands/inspect-aum.js').then((m) => m.default),
  },
  {
    name: 'inspect nks',
    summary: 'Decode and explain a node-key signature, and check it against the authority',
    load: () => import('./commands/inspect-nks.js').then((m) => m.default),
  },
  {
    name: 'inspect authkey',
    summary: 'Decode and explain a pre-signed auth key (its secrets are not shown)',
    load: () => import('./commands/inspect-authkey.js').then((m) => m.default),
  },
  {
    name: 'export',
    summary: 'Write the chain (oldest stored checkpoint to head) as a tslockjsonv1 log document',
    load: () => import('./commands/export.js').then((m) => m.default),
  },
  {
    name: 'import',
    summary: 'Verify and add the AUMs of a log document (from "tlock export" or "tlock log --json")',
    load: () => import('./commands/import.js').then((m) => m.default),
  },
  {
    name: 'compact',
    summary: "Purge AUMs the authority no longer needs (Tailscale's defaults) and say which",
    load: () => import('./commands/compact.js').then((m) => m.default),
  },
  {
    name: 'completion',
    summary: 'Print a shell completion script (bash or zsh) for the commands and their options',
    load: () => import('./commands/completion.js').then((m) => m.completionCommand(COMMANDS)),
  },
  {
    name: 'hook',
    summary: 'Filter map responses for a node daemon (JSON lines on stdin and stdout); fails closed',
    load: () => import('./commands/hook.js').then((m) => m.default),
  },
  {
    name: 'disable',
    summary: 'Turn filtering off here for good, with a disablement secret (removes the authority)',
    load: () => import('./commands/disable.js').then((m) => m.default),
  },
];
