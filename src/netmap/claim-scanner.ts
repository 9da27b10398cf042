import { MAX_NETMAP_PEERS, NETMAP_CACHE_MAX_SIGNATURE_TEXT } from '../limits.js';

/*
 * A guess, from the raw bytes of a map response still arriving, at the (Key, KeySignature) pairs
 * it carries, so that their signatures can be checked while the rest arrives and is parsed. It
 * only ever saves time: a verdict is a pure function of (state, key text, signature text), cached
 * under both texts, so a pair guessed wrong (another object's Key, an escaped or non-ASCII text
 * that parses to something else) is a verdict nobody looks up. What is judged is still read from
 * the parsed response (map-response.ts).
 *
 * It looks for what Go's encoder writes for a tailcfg.Node: `"Key":"nodekey:<64 hex>"` followed,
 * within a few hundred bytes and before the next signature, by `"KeySignature":"<base64>"`.
 */

const KEY_NAME = Buffer.from('"Key":"');
const SIG_NAME = Buffer.from('"KeySignature":"');
const QUOTE = 0x22;
/** `nodekey:` and 64 hex digits. */
const KEY_TEXT_LENGTH = 72;
/** How far before a signature its node's Key may be (Go writes KeyExpiry between the two). */
const KEY_WINDOW = 1024;
/** Bytes kept from one piece to the next: a pair cut in two is found whole in the next piece. */
const CARRY_LIMIT = KEY_WINDOW + NETMAP_CACHE_MAX_SIGNATURE_TEXT + SIG_NAME.length;

/**
 * The texts a scan cut from the bytes (latin1: one character per byte), by where they start in the
 * whole text, in ascending order. The reader of the complete response may take one in place of
 * cutting the same bytes again (map-response-bytes.ts checks that they are the same, and ASCII),
 * so that a peer's Key and KeySignature are one string each, not two.
 */
export class ScannedTexts {
  readonly starts: number[] = [];
  readonly texts: string[] = [];
}

export class ClaimScanner {
  /**
   * The carry then the piece being scanned, in memory reused from piece to piece (joining them
   * anew for each 64 KB piece made as much garbage as the line itself).
   */
  #scratch: Buffer = Buffer.alloc(0);
  /** Bytes at the start of `#scratch` carried over from the last piece. */
  #carried = 0;
  #found = 0;
  /** Bytes pushed before the current piece. */
  #pushed = 0;
  readonly texts = new ScannedTexts();

  /**
   * Scans the next piece of the text; calls `claim` for each pair completed in it. Past
   * MAX_NETMAP_PEERS pairs it stops: no list the verifier accepts is longer.
   */
  push(piece: Uint8Array, claim: (key: string, sig: string) => void): void {
    const base = this.#pushed - this.#carried; // where buf starts in the whole text
    this.#pushed += piece.length;
    if (this.#found >= MAX_NETMAP_PEERS) return;
    const length = this.#carried + piece.length;
    if (this.#scratch.length < length) {
      const bigger = Buffer.allocUnsafe(Math.max(length, 2 * this.#scratch.length));
      this.#scratch.copy(bigger, 0, 0, this.#carried);
      this.#scratch = bigger;
    }
    this.#scratch.set(piece, this.#carried);
    const buf = this.#scratch.subarray(0, length);
    let done = 0; // everything before this belongs to a pair already handled
    for (;;) {
      const at = buf.indexOf(SIG_NAME, done);
      if (at === -1) break;
      const start = at + SIG_NAME.length;
      const close = buf.indexOf(QUOTE, start);
      if (close === -1) break; // the rest arrives with the next piece
      const keyStart = this.#keyBefore(buf, Math.max(done, at - KEY_WINDOW), at);
      const length = close - start;
      if (keyStart !== -1 && length > 0 && length <= NETMAP_CACHE_MAX_SIGNATURE_TEXT) {
        const key = buf.toString('latin1', keyStart, keyStart + KEY_TEXT_LENGTH);
        const sig = buf.toString('latin1', start, close);
        const { starts, texts } = this.texts;
        starts.push(base + keyStart, base + start);
        texts.push(key, sig);
        claim(key, sig);
        if (++this.#found >= MAX_NETMAP_PEERS) return;
      }
      done = close + 1;
    }
    // Kept at the start of the scratch memory (copy handles the overlap).
    const from = Math.max(done, buf.length - CARRY_LIMIT);
    this.#carried = buf.copy(this.#scratch, 0, from);
  }

  /** Where the last `"Key":"nodekey:…"` text between `from` and `to` starts, or -1. */
  #keyBefore(buf: Buffer, from: number, to: number): number {
    const at = buf.subarray(from, to).lastIndexOf(KEY_NAME);
    if (at === -1) return -1;
    const start = from + at + KEY_NAME.length;
    const end = start + KEY_TEXT_LENGTH;
    return end >= to || buf[end] !== QUOTE ? -1 : start;
  }
}
