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
    name: 'status',
    summary: 'Show whether Tailnet Lock is enabled here, the head and the trusted keys',
    load: () => import('./commands/status.js').then((m) => m.default),
  },
  {
    name: 'serve',
    summary: "Run a Tailnet Lock coordination server (Tailscale's /machine/tka/… messages)",
    load: () => import('./commands/serve.js').then((m) => m.default),
  },
  {
    name: 'hook',
    summary: 'Filter map responses for a node daemon (JSON lines on stdin and stdout)',
    load: async () => {
      const [{ yargsCommand }, { hookCommand }] = await Promise.all([
        import('./yargs-command.js'),
        import('./commands/hook.js'),
      ]);
      return yargsCommand(hookCommand, ['tlock hook --dir /var/lib/tlock < map-responses.jsonl']);
    },
  },
];
