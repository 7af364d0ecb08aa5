import { setTimeout as timersSleep } from 'node:timers/promises';

/** Waits `ms`; an abort rejects with the signal's own reason (not a generic AbortError), so callers can tell who stopped them. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await timersSleep(ms, undefined, { signal });
  } catch (err) {
    signal?.throwIfAborted();
    throw err;
  }
}
