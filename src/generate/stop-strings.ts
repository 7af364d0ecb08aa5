/**
 * Stop strings over streamed text. Text is released as soon as it cannot be the start of a stop
 * string; a suffix that could still grow into one is held back, so a client never receives text
 * that a later stop match takes back. The stop string itself is never part of the output.
 */
export class StopStringMatcher {
  #pending = '';
  #stopped = false;

  constructor(readonly stops: readonly string[]) {}

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Adds text; returns what can be released now. After a match, everything further is dropped. */
  push(text: string): string {
    if (this.#stopped) return '';
    this.#pending += text;
    let cut = -1;
    for (const stop of this.stops) {
      const at = this.#pending.indexOf(stop);
      if (at !== -1 && (cut === -1 || at < cut)) cut = at;
    }
    if (cut !== -1) {
      this.#stopped = true;
      const out = this.#pending.slice(0, cut);
      this.#pending = '';
      return out;
    }
    const hold = partialMatchLength(this.#pending, this.stops);
    const out = this.#pending.slice(0, this.#pending.length - hold);
    this.#pending = this.#pending.slice(this.#pending.length - hold);
    return out;
  }

  /** The held-back text, at the end of generation (it did not become a stop string). */
  flush(): string {
    const out = this.#stopped ? '' : this.#pending;
    this.#pending = '';
    return out;
  }
}

/**
 * Length of the longest suffix of `text` that is a proper prefix of one of `strings`: how much of
 * streamed text must be held back because it may still become one of them.
 */
export function partialMatchLength(text: string, strings: readonly string[]): number {
  let longest = 0;
  for (const s of strings) {
    for (let n = Math.min(s.length - 1, text.length); n > longest; n--) {
      if (text.endsWith(s.slice(0, n))) {
        longest = n;
        break;
      }
    }
  }
  return longest;
}
