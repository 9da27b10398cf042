/** A tailnet's Tailnet Lock settings, which the coordination server keeps beside its chain. */
export interface TailnetSettings {
  /** Tailnet Lock was turned off with a valid disablement secret. */
  disabled: boolean;
  /** The secret that disabled it, handed to nodes by bootstrap so they can check it and stop. */
  disablementSecret?: Uint8Array;
  /** A disablement secret the admin gave to the operator at init ("support disablement"). */
  supportDisablement?: Uint8Array;
}

/** A copy, sharing no bytes with `s`. */
export function copySettings(s: TailnetSettings): TailnetSettings {
  const out: TailnetSettings = { disabled: s.disabled };
  if (s.disablementSecret !== undefined) out.disablementSecret = s.disablementSecret.slice();
  if (s.supportDisablement !== undefined) out.supportDisablement = s.supportDisablement.slice();
  return out;
}
