/*
 * JSON object keys as Go's encoding/json matches them to struct fields: case-insensitively, the
 * last matching key winning. So `{"Key": <signed>, "key": <forged>}` hands a Go daemon the forged
 * key. The verifier never guesses which value a reader takes: an object with two keys that fold to
 * one name is refused, and so is a key with one of the four non-ASCII characters that some Go
 * release folds into a Latin letter (K KELVIN SIGN and ſ LONG S always; ı DOTLESS I and İ DOTTED I
 * since Go 1.21): no honest server sends one, and releases disagree on what it means.
 */

/** The four characters some Go release folds into an ASCII letter. */
const FOLDS_TO_ASCII = /[\u212a\u017f\u0130\u0131]/;
const FOLD_CACHE_ENTRIES = 1024;
const foldCache = new Map<string, string | null>();

/** A key as Go compares it with field names (ASCII letters upper-cased); null when releases disagree. */
export function goFold(key: string): string | null {
  let folded = foldCache.get(key);
  if (folded !== undefined) return folded;
  folded = FOLDS_TO_ASCII.test(key) ? null : key.replace(/[a-z]+/g, (s) => s.toUpperCase());
  if (foldCache.size < FOLD_CACHE_ENTRIES) foldCache.set(key, folded);
  return folded;
}

/** Which key of an object Go reads each field from, or why the object is refused. */
export interface KeyLayout<F extends string> {
  /** The object's own keys, in order. */
  readonly keys: readonly string[];
  /** Field name → the object's key for it (only for fields the object carries). */
  readonly at: Readonly<Partial<Record<F, string>>>;
  /** Set when two keys fold to one name, or a key has a character Go releases fold differently. */
  readonly problem: string | undefined;
}

const RECENT_LAYOUTS = 4;

/**
 * Object layouts for one set of Go field names. The objects of a map response mostly share a
 * key order, so the last few layouts are remembered: an object whose keys are the same strings in
 * the same order reuses one without folding anything.
 */
export class GoFieldReader<F extends string> {
  readonly #fields: ReadonlyMap<string, F>;
  readonly #recent: KeyLayout<F>[] = [];

  constructor(fields: readonly F[]) {
    this.#fields = new Map(fields.map((f) => [goFold(f)!, f]));
  }

  layout(obj: Readonly<Record<string, unknown>>): KeyLayout<F> {
    for (const known of this.#recent) if (sameKeys(obj, known.keys)) return known;
    return this.#remember(this.#compute(Object.keys(obj)));
  }

  /** The layout of an object with these keys, in this order (for keys read from bytes). */
  layoutOfKeys(keys: readonly string[]): KeyLayout<F> {
    for (const known of this.#recent) {
      if (known.keys.length === keys.length && known.keys.every((k, i) => k === keys[i])) return known;
    }
    return this.#remember(this.#compute(keys));
  }

  #remember(layout: KeyLayout<F>): KeyLayout<F> {
    this.#recent.unshift(layout);
    if (this.#recent.length > RECENT_LAYOUTS) this.#recent.pop();
    return layout;
  }

  #compute(keys: readonly string[]): KeyLayout<F> {
    const at: Partial<Record<F, string>> = {};
    const seen = new Map<string, string>();
    let problem: string | undefined;
    for (const key of keys) {
      const folded = goFold(key);
      if (folded === null) {
        problem ??= `the field name ${JSON.stringify(key)} has a character that Go may read as a Latin letter`;
        continue;
      }
      const earlier = seen.get(folded);
      if (earlier !== undefined) {
        problem ??= `fields ${JSON.stringify(earlier)} and ${JSON.stringify(key)} are one field to Go, which takes the last`;
        continue;
      }
      seen.set(folded, key);
      const field = this.#fields.get(folded);
      if (field !== undefined) at[field] = key;
    }
    return { keys, at, problem };
  }
}

/**
 * Whether `obj`'s enumerable keys are exactly `keys`, in order (allocates nothing). for-in also
 * lists inherited enumerable keys, after the own ones, so an object with any fails the count and
 * gets a layout of its own keys (JSON.parse never makes one).
 */
function sameKeys(obj: Readonly<Record<string, unknown>>, keys: readonly string[]): boolean {
  let i = 0;
  for (const key in obj) if (key !== keys[i++]) return false;
  return i === keys.length;
}
