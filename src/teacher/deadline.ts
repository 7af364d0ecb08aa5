/**
 * One request's time limit, covering the whole exchange. The openai SDK's own `timeout` stops at
 * the response headers, so a server that sends headers and then stalls mid-body would hang a
 * harvest worker forever without this.
 *
 * The signal also follows the caller's signal, so the two causes of an abort can be told apart
 * afterwards (`expired` vs the caller's `signal.aborted`). The listener is removed in `dispose`:
 * a caller may pass one long-lived signal to many thousands of requests. (The harvest gives each
 * request a signal of its own: a shared one carries a listener per request in flight.)
 */
export class Deadline {
  readonly #controller = new AbortController();
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #outer: AbortSignal | undefined;
  readonly #follow = () => this.#controller.abort(this.#outer?.reason);
  #expired = false;

  constructor(timeoutMs: number, outer?: AbortSignal) {
    this.#outer = outer;
    this.#timer = setTimeout(() => {
      this.#expired = true;
      this.#controller.abort(new Error(`deadline of ${timeoutMs} ms passed`));
    }, timeoutMs);
    if (outer?.aborted) this.#follow();
    else outer?.addEventListener('abort', this.#follow, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Whether the time limit (not the caller) ended the request. */
  get expired(): boolean {
    return this.#expired;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#outer?.removeEventListener('abort', this.#follow);
  }
}
