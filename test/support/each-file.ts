import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dirs.js';

// Runs in every test file (vitest `setupFiles`): temp directories made by `makeTempDir` go away
// when the file's tests end, whether or not the file asks.
afterAll(removeTempDirs);
