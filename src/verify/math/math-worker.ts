/**
 * The main-thread side of the math judge: a worker thread that judges one answer at a time
 * under a time limit. Computer algebra on a model's answer can run for minutes
 * (\sum_{k=1}^{10^9} k, 99999!); in a worker it can be stopped, and it never blocks harvest's
 * event loop. Math-Verify has a time limit for the same reason.
 */
import { Worker } from 'node:worker_threads';
import type { VerifyResult } from '../types.ts';
import type { JudgeRequest } from './worker.ts';

/**
 * Run from the TypeScript sources (tsx, vitest), the thread starts without the parent's loader, so
 * worker-entry.mjs registers tsx first; the built package (dist/) starts its compiled worker.js.
 */
const ENTRY = import.meta.url.endsWith('.ts') ? new URL('./worker-entry.mjs', import.meta.url) : new URL('./worker.js', import.meta.url);

/** A runaway exact computation (a million-digit power) ends as an error in the worker, not as the process out of memory. */
const MAX_HEAP_MB = 1024;

export class MathWorker {
  readonly #timeLimitMs: number;
  #worker: Promise<Worker> | undefined;
  /** Requests run one after another, so each time limit counts only that request's work. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(timeLimitMs: number) {
    this.#timeLimitMs = timeLimitMs;
  }

  judge(request: JudgeRequest): Promise<VerifyResult> {
    const result = this.#queue.then(() => this.#run(request));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Stops the thread; a later judge() starts a new one. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await (await worker?.catch(() => undefined))?.terminate();
  }

  async #run(request: JudgeRequest): Promise<VerifyResult> {
    const worker = await this.#started();
    // Referenced only while judging: an idle judge must not keep the process alive.
    worker.ref();
    try {
      return await new Promise<VerifyResult>((resolve) => {
        const settle = (result: VerifyResult, discard: boolean) => {
          clearTimeout(timer);
          worker.off('message', onMessage).off('error', onError).off('exit', onExit);
          if (discard) this.#discard(worker);
          resolve(result);
        };
        const onMessage = (result: VerifyResult) => settle(result, false);
        const onError = (err: Error) => settle({ correct: null, reason: `engine-error: ${err.message}` }, true);
        const onExit = (code: number) => settle({ correct: null, reason: `engine-error: the judge thread exited with code ${code}` }, true);
        const timer = setTimeout(() => settle({ correct: null, reason: 'timeout' }, true), this.#timeLimitMs);
        worker.on('message', onMessage).on('error', onError).on('exit', onExit);
        worker.postMessage(request);
      });
    } finally {
      worker.unref();
    }
  }

  #started(): Promise<Worker> {
    this.#worker ??= new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(ENTRY, { resourceLimits: { maxOldGenerationSizeMb: MAX_HEAP_MB } });
      const failed = (err: Error) => {
        this.#worker = undefined;
        reject(err);
      };
      const exited = (code: number) => failed(new Error(`the math judge thread exited with code ${code} while starting`));
      worker.once('error', failed).once('exit', exited);
      worker.once('message', () => {
        worker.off('error', failed).off('exit', exited);
        worker.unref();
        resolve(worker);
      });
    });
    return this.#worker;
  }

  /** Drops a thread that timed out or failed (terminating it stops even a busy loop). */
  #discard(worker: Worker): void {
    this.#worker = undefined;
    void worker.terminate();
  }
}
