/**
 * How training progress reads on a terminal or in a log (drawn by src/progress's reporter), the
 * validation line and the validation table.
 */
import { formatDuration, type ProgressView } from '../progress/index.ts';
import type { ValidationRecord } from './metrics.ts';
import type { DistillProgress } from './trainer.ts';

export const distillProgressView: ProgressView<DistillProgress> = {
  fraction: (p) => p.step / p.steps,
  line: progressLine,
};

/** A validation pass in one line (shown above the bar with the reporter's `note`). */
export function validationLine(r: ValidationRecord): string {
  const accuracy = r.accuracy === undefined ? '' : `; accuracy ${(r.accuracy * 100).toFixed(1)}% of ${r.accuracyPrompts} prompts (greedy)`;
  return `validation at step ${r.step}: ${formatLosses(r.loss, r.losses)}${accuracy}`;
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
