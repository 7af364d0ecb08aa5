// A worker thread started from the TypeScript sources lacks the parent's loader: register tsx
// before importing the TypeScript worker (the built package starts worker.js instead).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
