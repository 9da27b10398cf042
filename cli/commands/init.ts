import { Authority } from '../../src/authority/authority.js';
import { disablementKDF } from '../../src/crypto/kdf.js';
import { randomBytes } from '../../src/crypto/random.js';
import { MAX_DISABLEMENT_VALUES } from '../../src/limits.js';
import type { Key } from '../../src/model/key.js';
import { FileStore } from '../../src/store/file-store.js';
import { bytesEqual, fromHex, toHex } from '../../src/wire/bytes.js';
import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { confirm } from '../confirmation.js';
import { uninterrupted } from '../interrupt.js';
import { parseKeyArguments } from '../key-arguments.js';
import { KEY_OPTION, loadSigningKey } from '../key-file.js';
import { openLocalAuthority } from '../local-authority.js';
import { shellCommand } from '../shell-quote.js';
import { ensureStateDir, storeDir } from '../state-dir.js';
import { keyJSON, tlpubText } from '../tslockjsonv1.js';

const DISABLEMENT_VALUE = 'disablement:';

function splitArguments(args: readonly string[]): { keyTexts: string[]; values: Uint8Array[] } {
  const keyTexts: string[] = [];
  const values: Uint8Array[] = [];
  for (const a of args) {
    if (a.startsWith('disablement-secret:')) {
      throw usageError(
        `"${a.slice(0, 24)}…" is a disablement secret; init takes its value instead ("tlock disablement-kdf" derives it), or generates secrets itself (--gen-disablements)`,
      );
    }
    if (a.startsWith(DISABLEMENT_VALUE)) {
      const hex = a.slice(DISABLEMENT_VALUE.length);
      if (!/^[0-9a-fA-F]{64}$/.test(hex))
        throw usageError(`"${a}": a disablement value is 64 hex characters`);
      values.push(fromHex(hex));
    } else keyTexts.push(a);
  }
  return { keyTexts, values };
}

export default defineCommand({
  name: 'init',
  usage: '[--gen-disablements N] [--confirm] [<tlpub>[?votes]…] [disablement:<hex>…]',
  description: [
    "Creates the authority in <dir>/tka, signed by this machine's key (<dir>/key, see",
    '"tlock keygen"), which is always trusted; the keys given are trusted too (?votes: 1 to 4096,',
    'default 1). It generates N disablement secrets (Argon2i, about a second each) and stores',
    'their values; disablement:<hex> adds a value whose secret someone else holds. The secrets',
    'are printed once, after the authority is stored, as disablement-secret:<HEX>: keep them',
    'offline, they turn Tailnet Lock off. Without --confirm it shows what it would do and asks',
    '(on a terminal), or exits 2 with the command to confirm.',
  ].join('\n'),
  options: {
    'gen-disablements': {
      type: 'integer',
      placeholder: 'N',
      default: 1,
      max: MAX_DISABLEMENT_VALUES,
      describe: 'how many disablement secrets to generate',
    },
    confirm: { type: 'boolean', describe: 'go ahead without asking' },
    ...KEY_OPTION,
  },
  positionals: { min: 0 },
  examples: ['tlock init --confirm tlpub:2c5f…', 'tlock init --gen-disablements 3 tlpub:2c5f…?2 tlpub:9a01…'],
  async run({ options, args, argv, out, stateDir }) {
    const { keyTexts, values } = splitArguments(args);
    const given = parseKeyArguments(keyTexts);
    const count = options['gen-disablements'];
    if (count + values.length === 0) {
      throw usageError('an authority needs at least one disablement value: use --gen-disablements 1 or more');
    }
    if (count + values.length > MAX_DISABLEMENT_VALUES) {
      throw usageError(`at most ${MAX_DISABLEMENT_VALUES} disablement values, got ${count + values.length}`);
    }
    const signer = await loadSigningKey(stateDir, options.key);
    const existing = await openLocalAuthority(stateDir);
    if (existing !== undefined) {
      throw usageError(
        `Tailnet Lock is already enabled in ${stateDir} (head ${existing.authority.head}); nothing was changed`,
      );
    }

    const own = given.find((k) => bytesEqual(k.public, signer.publicKey));
    const keys: Key[] = [
      { kind: 1, votes: own?.votes ?? 1, public: signer.publicKey },
      ...given.filter((k) => k !== own).map((k) => ({ kind: 1, votes: k.votes ?? 1, public: k.public })),
    ];
    const plan = [
      'You are initializing Tailnet Lock with the following trusted signing keys:',
      ...keys.map(
        (k) =>
          ` - ${tlpubText(k.public!)} (25519 key, ${k.votes} vote${k.votes === 1 ? '' : 's'})${k === keys[0] ? ' (self)' : ''}`,
      ),
      '',
      `${count} disablement secret${count === 1 ? '' : 's'} will be generated and shown once${values.length > 0 ? `, and ${values.length} disablement value${values.length === 1 ? '' : 's'} given here stored` : ''}.`,
    ];
    if (!options.confirm) {
      if (out.json) out.note(...plan);
      else out.text(...plan, '');
    }
    await confirm({
      question: 'Initialize Tailnet Lock with these keys?',
      flag: '--confirm',
      given: options.confirm,
      rerun: shellCommand(['tlock', 'init', '--confirm', ...argv]),
    });

    const secrets = Array.from({ length: count }, () => randomBytes(32));
    if (count > 0) out.progress(`Deriving ${count} disablement value${count === 1 ? '' : 's'} (Argon2i)...`);
    const derived: Uint8Array[] = [];
    for (const s of secrets) derived.push(await disablementKDF(s));

    await ensureStateDir(stateDir);
    const { authority } = await uninterrupted(async () =>
      Authority.create(
        await FileStore.open(storeDir(stateDir)),
        { lastAUMHash: null, disablementValues: [...derived, ...values], keys },
        signer,
      ),
    );
    const secretTexts = secrets.map((s) => `disablement-secret:${toHex(s).toUpperCase()}`);
    if (out.json) {
      out.document({
        Head: authority.head,
        TrustedKeys: authority.keys().map(keyJSON),
        DisablementSecrets: secretTexts,
      });
      return;
    }
    out.text(`Tailnet Lock is ENABLED in ${stateDir}. Head: ${authority.head}`, '');
    if (count > 0) {
      out.text(
        'Disablement secrets (they turn Tailnet Lock off; keep them offline, they will NOT be shown again):',
        ...secretTexts.map((s) => `\t${s}`),
        '',
      );
    }
    out.text('Initialization complete.');
  },
});
