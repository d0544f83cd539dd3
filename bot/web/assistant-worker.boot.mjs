// Entry of an assistant-pool thread when the sources run through tsx (not the compiled dist/): the
// TypeScript loader is per thread, so it is registered here before the worker module is imported.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
