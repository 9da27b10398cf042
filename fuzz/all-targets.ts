import type { FuzzTarget } from './fuzz-target.js';
import { decodeAumTarget, decodeNksTarget } from './targets/decoders.js';
import { informTarget } from './targets/inform.js';
import { lineReaderTarget } from './targets/line-reader.js';
import { netmapFilterTarget } from './targets/netmap-filter.js';
import { nodeKeyAuthorizedTarget } from './targets/node-key-authorized.js';
import { serverEndpointsTarget } from './targets/server-endpoints.js';
import { unwrapAuthKeyTarget } from './targets/unwrap-authkey.js';

/** Every fuzz target, in the order `npm run fuzz` and test/fuzz/fuzz.test.ts run them. */
export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  decodeAumTarget,
  decodeNksTarget,
  nodeKeyAuthorizedTarget,
  informTarget,
  netmapFilterTarget,
  unwrapAuthKeyTarget,
  lineReaderTarget,
  serverEndpointsTarget,
];
