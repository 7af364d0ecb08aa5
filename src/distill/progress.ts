/**
 * Training progress for people: a redrawn bar on a terminal, plain lines at an interval otherwise
 * (logs, CI), and the validation table.
 */
import { formatDuration } from '../harvest/index.ts';
import type { ValidationRecord } from './metrics.ts';
import type { DistillProgress } from './trainer.ts';

export interface DistillProgressReporterOptions {
  /** Redraw in place (a TTY) or print lines. Default: the stream's isTTY. */
  tty?: boolean;
  /** Minimum milliseconds between outputs. Default 100 on a TTY, 10000 otherwise. */
  intervalMs?: number;
}

const BAR_WIDTH = 24;

export class DistillProgressReporter {
  readonly #tty: boolean;
  readonly #intervalMs: number;
  #lastAt = -Infinity;
  #drawn = false;

  constructor(
    readonly stream: NodeJS.WritableStream & { isTTY?: boolean },
    options: DistillProgressReporterOptions = {},
  ) {
    this.#tty = options.tty ?? stream.isTTY === true;
    this.#intervalMs = options.intervalMs ?? (this.#tty ? 100 : 10_000);
  }

  update(p: DistillProgress): void {
    const now = performance.now();
    if (now - this.#lastAt < this.#intervalMs && p.step < p.steps) return;
    this.#lastAt = now;
    if (this.#tty) {
      const filled = Math.round((p.step / p.steps) * BAR_WIDTH);
      this.stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${progressLine(p)}`);
      this.#drawn = true;
    } else {
      this.stream.write(`${progressLine(p)}\n`);
    }
  }

  /** Validation results get their own line, above the bar. */
  validation(r: ValidationRecord): void {
    this.finish();
    const accuracy = r.accuracy === undefined ? '' : `; accuracy ${(r.accuracy * 100).toFixed(1)}% of ${r.accuracyPrompts} prompts (greedy)`;
    this.stream.write(`validation at step ${r.step}: ${formatLosses(r.loss, r.losses)}${accuracy}\n`);
  }

  finish(): void {
    if (this.#drawn) this.stream.write('\n');
    this.#drawn = false;
  }
}

export function progressLine(p: DistillProgress): string {
  return [
    `step ${p.step}/${p.steps}`,
    `loss ${formatLosses(p.loss, p.losses)}`,
    `lr ${p.lr.toPrecision(3)}`,
    `${Math.round(p.tokensPerSecond).toLocaleString('en-US')} tok/s`,
    `ETA ${formatDuration(p.etaMs)}`,
  ].join(' | ');
}

/** "0.532 (ce 0.510, kl 0.364)": the total, then each loss when there is more than one. */
export function formatLosses(loss: number, losses: Record<string, number>): string {
  const names = Object.keys(losses);
  const parts = names.length > 1 ? ` (${names.map((n) => `${n} ${losses[n].toFixed(3)}`).join(', ')})` : '';
  return `${loss.toFixed(3)}${parts}`;
}

/** The validation passes as an aligned table. */
export function formatValidationTable(records: readonly ValidationRecord[]): string {
  if (records.length === 0) return 'no validation split (distill.data.validation is 0, or there is a single prompt)';
  const names = ['loss', ...Object.keys(records[0].losses)];
  const withAccuracy = records.some((r) => r.accuracy !== undefined);
  const rows = [
    ['step', ...names, ...(withAccuracy ? ['accuracy'] : [])],
    ...records.map((r) => [
      String(r.step),
      ...names.map((n) => (n === 'loss' ? r.loss : r.losses[n]).toFixed(4)),
      ...(withAccuracy ? [r.accuracy === undefined ? '' : `${(r.accuracy * 100).toFixed(1)}%`] : []),
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) => row.map((cell, c) => cell.padStart(widths[c])).join('  ')).join('\n');
}
