import { EXIT } from './exit-codes.js';

// Ctrl-C ends a command with status 130. During a write that must not be cut short (the key
// file, an update to the store) the exit waits for the write to finish; a second Ctrl-C exits at
// once (the store's writes are crash-safe on their own, this only spares a leftover temp file).

let criticalDepth = 0;
let pending = false;

function exitInterrupted(): never {
  process.stderr.write('tlock: interrupted\n');
  process.exit(EXIT.INTERRUPTED);
}

export function installInterruptHandler(): void {
  process.on('SIGINT', () => {
    if (criticalDepth === 0 || pending) exitInterrupted();
    pending = true;
  });
}

/** Runs `write` with Ctrl-C held back until it has finished. */
export async function uninterrupted<T>(write: () => Promise<T>): Promise<T> {
  criticalDepth++;
  try {
    return await write();
  } finally {
    criticalDepth--;
    if (criticalDepth === 0 && pending) exitInterrupted();
  }
}
