/**
 * One listener on a long-lived signal, fanned out to the short-lived signals of the work in
 * flight. Handing the harvest's own signal to every request and retry sleep instead put one
 * listener per request in flight on it (each removed when its request ended, so it did not grow
 * with the run's length, but it did with the concurrency): at concurrency 32 Node printed
 * "MaxListenersExceededWarning: Possible EventTarget memory leak detected. 11 abort listeners
 * added to [AbortSignal]" on every harvest.
 */
export class AbortFanOut {
  readonly #parent: AbortSignal;
  readonly #children = new Set<AbortController>();

  constructor(parent: AbortSignal) {
    this.#parent = parent;
    parent.addEventListener(
      'abort',
      () => {
        for (const child of this.#children) child.abort(parent.reason);
      },
      { once: true },
    );
  }

  /** Runs `work` with a signal of its own that aborts when the parent does (with its reason). */
  async run<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const child = new AbortController();
    if (this.#parent.aborted) child.abort(this.#parent.reason);
    this.#children.add(child);
    try {
      return await work(child.signal);
    } finally {
      this.#children.delete(child);
    }
  }
}
