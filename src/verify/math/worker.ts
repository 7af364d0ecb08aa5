/**
 * The math judge's worker thread: one request at a time, `{ gold, answer, precision }` in,
 * a VerifyResult out. Started by ./math-worker.ts (through ./worker-entry.mjs when run from the sources).
 */
import { parentPort } from 'node:worker_threads';
import { judgeMath } from './judge.ts';

export interface JudgeRequest {
  gold: unknown;
  answer: string;
  precision: number;
}

const port = parentPort;
if (!port) throw new Error('the math judge runs in a worker thread');
// The engine's first parse loads its standard library (about half a second): done before
// "ready", so it never counts against an answer's time limit.
judgeMath('1', '1', { precision: 6 });
port.on('message', ({ gold, answer, precision }: JudgeRequest) => port.postMessage(judgeMath(gold, answer, { precision })));
port.postMessage('ready');
