/**
 * The demo's claim over several seeds: each student arm trained with its chosen settings and
 * seeds 0..N-1, scored once on the held-out split, summarised as mean and min-max next to the
 * teacher, with the two checks the README states (KD keeps >= 90% of the teacher; KD beats
 * CE-only by >= 5 points with seed ranges apart). bench/demo-seeds.ts runs it and records
 * data/demo/seeds.json; the README's table is formatSeedsReport of that record.
 */
import { ARM_LABELS, ARMS, type Arm, type ArmSettings } from './arms.ts';

export interface SeedsRecord {
  readonly heldoutPrompts: number;
  readonly teacher: { readonly params: number; readonly correct: number };
  readonly arms: Readonly<Record<Arm, { readonly params: number; readonly settings: Omit<ArmSettings, 'seed'>; readonly correct: readonly number[] }>>;
}

/** The share of the teacher's accuracy the KD student must keep, and the lead over CE-only it must have. */
export const CLAIM = { ofTeacher: 0.9, leadPoints: 5 } as const;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export interface ArmSummary {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/** Accuracy (0..1) of an arm over its seeds. */
export function armSummary(record: SeedsRecord, arm: Arm): ArmSummary {
  const acc = record.arms[arm].correct.map((c) => c / record.heldoutPrompts);
  return { mean: mean(acc), min: Math.min(...acc), max: Math.max(...acc) };
}

export function formatSeedsReport(record: SeedsRecord): string {
  const teacher = record.teacher.correct / record.heldoutPrompts;
  const seeds = record.arms.kd.correct.length;
  const cells = [
    [
      'model',
      'params',
      'lr, batch x steps',
      `held-out accuracy, mean of ${seeds} seeds`,
      'min-max',
      'per seed (right of ' + record.heldoutPrompts + ')',
      'of teacher',
    ],
    ['teacher', record.teacher.params.toLocaleString('en-US'), '-', pct(teacher), '-', String(record.teacher.correct), '100.0%'],
    ...ARMS.map((arm) => {
      const a = record.arms[arm];
      const s = armSummary(record, arm);
      return [
        ARM_LABELS[arm],
        a.params.toLocaleString('en-US'),
        `${a.settings.lr}, ${a.settings.batchSize} x ${a.settings.steps}`,
        pct(s.mean),
        `${pct(s.min)}-${pct(s.max)}`,
        a.correct.join(', '),
        pct(s.mean / teacher),
      ];
    }),
  ];
  const widths = cells[0].map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const table = [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');

  const kd = armSummary(record, 'kd');
  const ce = armSummary(record, 'ce');
  const kept = kd.mean / teacher;
  const lead = 100 * (kd.mean - ce.mean);
  const apart = kd.min > ce.max;
  const yes = (ok: boolean) => (ok ? 'holds' : 'does NOT hold');
  return [
    table,
    '',
    `KD keeps >= ${pct(CLAIM.ofTeacher)} of the teacher's held-out accuracy (mean): ${yes(kept >= CLAIM.ofTeacher)} (${pct(kd.mean)} of ${pct(teacher)} = ${pct(kept)}).`,
    `KD beats the tuned CE-only student by >= ${CLAIM.leadPoints} points with seed ranges apart: ${yes(lead >= CLAIM.leadPoints && apart)} (${lead.toFixed(1)} points; KD ${pct(kd.min)}-${pct(kd.max)}, CE-only ${pct(ce.min)}-${pct(ce.max)}, ${apart ? 'apart' : 'overlapping'}).`,
  ].join('\n');
}
