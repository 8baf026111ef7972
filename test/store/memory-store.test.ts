import { MemoryStore } from '../../server/store/memory-store.js';
import { storeContract } from './contract.js';

storeContract('MemoryStore', ({ limits, clock }) => new MemoryStore({ limits, clock }));
