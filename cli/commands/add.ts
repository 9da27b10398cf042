import { defineCommand } from '../command.js';
import { updateAuthority } from '../authority-update.js';
import { parseKeyArguments } from '../key-arguments.js';
import { KEY_OPTION } from '../key-file.js';
import { SERVER_OPTIONS } from '../server-options.js';
import { tlpubText } from '../tslockjsonv1.js';

export default defineCommand({
  name: 'add',
  usage: '<tlpub>[?votes]…',
  description: [
    'Adds every key given (?votes: 1 to 4096, default 1) in one update signed by this machine’s',
    'key, which must be trusted. All or nothing: a key already trusted, a weak key or a full key',
    'table refuses the whole command, and the store stays as it was. With --server URL it syncs',
    'first, then publishes the update to the server, and stores it here only once the server took',
    'it (a server whose head moved meanwhile refuses it: status 1, nothing changed).',
  ].join('\n'),
  options: { ...KEY_OPTION, ...SERVER_OPTIONS },
  positionals: { min: 1 },
  examples: [
    'tlock add tlpub:2c5f…',
    'tlock add tlpub:2c5f…?2 tlpub:9a01… --json',
    'tlock add --server http://127.0.0.1:8080 tlpub:2c5f…',
  ],
  async run({ options, args, out, stateDir }) {
    const keys = parseKeyArguments(args);
    await updateAuthority(
      { stateDir, options, out },
      {
        doing: 'add keys',
        build: (b) => {
          for (const k of keys) b.addKey({ kind: 1, votes: k.votes ?? 1, public: k.public });
        },
        summary: keys.map(
          (k) => `Added ${tlpubText(k.public)} (${k.votes ?? 1} vote${(k.votes ?? 1) === 1 ? '' : 's'}).`,
        ),
      },
    );
  },
});
