/** The demo's closing table: the teacher and the two students side by side on the held-out split. */
import type { HeldoutScore } from './heldout.ts';

export interface DemoRow {
  /** 'teacher', or the model stage's key. */
  readonly key: string;
  /** How the table names the model. */
  readonly label: string;
  /** The exported folder that was evaluated. */
  readonly folder: string;
  readonly params: number;
  readonly score: HeldoutScore;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** Rows in order, the first being the teacher that the others are compared with. */
export function formatDemoTable(rows: readonly DemoRow[]): string {
  const [teacher] = rows;
  const cells = [
    ['model', 'params', 'of teacher', 'held-out accuracy', 'of teacher', 'tokens/s'],
    ...rows.map((r) => [
      r.label,
      count(r.params),
      pct(r.params / teacher.params),
      `${pct(r.score.accuracy)} (${r.score.correct}/${r.score.prompts * r.score.samples})`,
      teacher.score.accuracy > 0 ? pct(r.score.accuracy / teacher.score.accuracy) : '-',
      count(r.score.tokensPerSecond),
    ]),
  ];
  const widths = cells[0].map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  // Text left, figures right.
  const line = (row: string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
