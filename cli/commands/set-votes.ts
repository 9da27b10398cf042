import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { updateAuthority } from '../authority-update.js';
import { parseKeyArguments } from '../key-arguments.js';
import { KEY_OPTION } from '../key-file.js';
import { SERVER_OPTIONS } from '../server-options.js';
import { tlpubText } from '../tslockjsonv1.js';

export default defineCommand({
  name: 'set-votes',
  usage: '<tlpub>?<votes>…',
  description: [
    'Sets the votes (1 to 4096) of each key given, in one update signed by this machine’s key.',
    'When two admins sign conflicting updates, the one whose signers have more votes wins.',
    'With --server URL it syncs first and publishes the update (as "tlock add" does).',
  ].join('\n'),
  options: { ...KEY_OPTION, ...SERVER_OPTIONS },
  positionals: { min: 1 },
  examples: ['tlock set-votes tlpub:2c5f…?3', 'tlock set-votes tlpub:2c5f…?2 tlpub:9a01…?1 --json'],
  async run({ options, args, out, stateDir }) {
    const keys = parseKeyArguments(args);
    const missing = keys.find((k) => k.votes === undefined);
    if (missing !== undefined)
      throw usageError(`"${missing.text}": say how many votes, as ${missing.text}?2`);
    await updateAuthority(
      { stateDir, options, out },
      {
        doing: 'change votes',
        build: (b) => {
          for (const k of keys) b.setKeyVotes(k.public, k.votes!);
        },
        summary: keys.map(
          (k) => `${tlpubText(k.public)} now has ${k.votes} vote${k.votes === 1 ? '' : 's'}.`,
        ),
      },
    );
  },
});
