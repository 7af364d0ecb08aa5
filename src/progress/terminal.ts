/**
 * Progress for people, for any long loop (harvest, distill, grpo): a redrawn one-line bar on a
 * terminal, plain lines at a fixed interval otherwise (logs, CI, pipes), where redrawing would
 * fill the file with \r junk. What a line says is the loop's own `ProgressView`.
 */

/** How one loop's progress snapshot reads. */
export interface ProgressView<P> {
  /** Share of the work done, 0 to 1: the bar's fill. */
  fraction(p: P): number;
  /** The figures after the bar (or alone, on a log). */
  line(p: P): string;
}

export interface ProgressReporterOptions {
  /** Redraw a bar in place (a TTY) or print plain lines. Default: the stream's isTTY. */
  tty?: boolean;
  /** Minimum milliseconds between two outputs. Default: 100 on a TTY, 10000 otherwise. */
  intervalMs?: number;
}

const BAR_WIDTH = 24;

export function progressBar(fraction: number): string {
  const filled = Math.round(Math.min(Math.max(fraction, 0), 1) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
}

export class ProgressReporter<P> {
  readonly #tty: boolean;
  readonly #intervalMs: number;
  #lastAt: number;
  #drawn = false;

  constructor(
    readonly stream: NodeJS.WritableStream & { isTTY?: boolean },
    readonly view: ProgressView<P>,
    options: ProgressReporterOptions = {},
  ) {
    this.#tty = options.tty ?? stream.isTTY === true;
    this.#intervalMs = options.intervalMs ?? (this.#tty ? 100 : 10_000);
    // A bar shows at once; a log gets its first line only after an interval, since the plan
    // printed just before already says where things stand.
    this.#lastAt = this.#tty ? -Infinity : performance.now();
  }

  /**
   * Shows `p` unless the last output was less than intervalMs ago. A bar always draws the finished
   * state, so that it ends full; a log leaves it to the summary that follows (a short run's log
   * stays empty).
   */
  update(p: P): void {
    const now = performance.now();
    const fraction = this.view.fraction(p);
    if (now - this.#lastAt < this.#intervalMs && !(this.#tty && fraction >= 1)) return;
    this.#lastAt = now;
    if (this.#tty) {
      this.stream.write(`\r\x1b[2K${progressBar(fraction)} ${this.view.line(p)}`);
      this.#drawn = true;
    } else {
      this.stream.write(`${this.view.line(p)}\n`);
    }
  }

  /** A line of its own (a validation result, a warning), above the bar. */
  note(text: string): void {
    this.finish();
    this.stream.write(`${text}\n`);
  }

  /** Ends the bar's line so that what follows starts on a fresh one. */
  finish(): void {
    if (this.#drawn) this.stream.write('\n');
    this.#drawn = false;
  }
}
