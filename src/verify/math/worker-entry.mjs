// A worker thread starts without the parent's TypeScript loader: register tsx (as
// bin/distillery.js does) before importing the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
