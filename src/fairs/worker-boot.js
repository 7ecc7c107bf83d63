// Entry of a fair-scheduling worker thread: the API runs TypeScript through tsx, and a worker
// thread starts without the parent's loader, so it registers tsx before importing the worker.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
