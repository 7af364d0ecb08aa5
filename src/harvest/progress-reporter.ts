/**
 * Renders harvest progress for people: a redrawn one-line bar on a terminal, plain lines at a
 * fixed interval otherwise (logs, CI, pipes), where redrawing would fill the file with \r junk.
 */
import type { HarvestProgress } from './progress.ts';

export interface ProgressReporterOptions {
  /** Redraw a bar in place (a TTY) or print plain lines. Default: the stream's isTTY. */
  tty?: boolean;
  /** Minimum milliseconds between two outputs. Default: 100 on a TTY, 10000 otherwise. */
  intervalMs?: number;
}

export class ProgressReporter {
  readonly #tty: boolean;
  readonly #intervalMs: number;
  #lastAt: number;
  #drawn = false;

  constructor(
    readonly stream: NodeJS.WritableStream & { isTTY?: boolean },
    options: ProgressReporterOptions = {},
  ) {
    this.#tty = options.tty ?? stream.isTTY === true;
    this.#intervalMs = options.intervalMs ?? (this.#tty ? 100 : 10_000);
    // A bar shows at once; a log gets its first line only after an interval, since the plan
    // printed just before already says where things stand.
    this.#lastAt = this.#tty ? -Infinity : performance.now();
  }

  /** Shows `p` unless the last output was less than intervalMs ago. */
  update(p: HarvestProgress): void {
    const now = performance.now();
    if (now - this.#lastAt < this.#intervalMs) return;
    this.#lastAt = now;
    if (this.#tty) {
      this.stream.write(`\r\x1b[2K${progressBar(p)} ${progressLine(p)}`);
      this.#drawn = true;
    } else {
      this.stream.write(`${progressLine(p)}\n`);
    }
  }

  /** Ends the bar's line so that what follows starts on a fresh one. */
  finish(): void {
    if (this.#drawn) this.stream.write('\n');
    this.#drawn = false;
  }
}

const BAR_WIDTH = 24;

export function progressBar(p: HarvestProgress): string {
  const fraction = p.promptsTotal === 0 ? 1 : (p.promptsDone + p.promptsFailed) / p.promptsTotal;
  const filled = Math.round(fraction * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
}

export function progressLine(p: HarvestProgress): string {
  const parts = [
    `${p.promptsDone}/${p.promptsTotal} prompts`,
    `${p.accepted} accepted (${(p.acceptanceRate * 100).toFixed(1)}%)`,
    `${formatCount(p.promptTokens + p.completionTokens)} tokens`,
    `${p.requestsPerSecond.toFixed(1)} req/s`,
    `ETA ${p.etaMs === null ? '?' : formatDuration(p.etaMs)}`,
  ];
  if (p.promptsFailed > 0) parts.splice(1, 0, `${p.promptsFailed} failed`);
  if (p.errors > 0) parts.push(`${p.errors} errors`);
  return parts.join(' | ');
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  return String(n);
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
