import { usageError } from './cli-error.js';

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60 * 1000,
  h: 60 * 60 * 1000,
  d: 24 * 60 * 60 * 1000,
  w: 7 * 24 * 60 * 60 * 1000,
};

/**
 * A duration as people write it: a number and a unit (s, m, h, d, w), or several
 * (`1d12h`, Go's `720h`), in milliseconds. A number without a unit is refused: is 30 days or seconds?
 */
export function parseDuration(text: string, what: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)];
  if (text === '' || parts.map((p) => p[0]).join('') !== text) {
    throw usageError(
      `${what}: "${text}" is not a duration; write a number and a unit (s, m, h, d, w): 30d, 12h, 1d12h`,
    );
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
  if (!Number.isFinite(ms)) throw usageError(`${what}: "${text}" is too long`);
  return ms;
}
