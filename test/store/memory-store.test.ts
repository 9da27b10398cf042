import { MemoryStore } from '../../src/store/memory-store.js';
import { describeAumStoreConformance } from './conformance.js';

describeAumStoreConformance('MemoryStore', () => Promise.resolve(new MemoryStore()));
