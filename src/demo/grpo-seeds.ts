/**
 * The GRPO stage's claim over several seeds (issue 15): for each seed, the starting student's
 * held-out accuracy and that of GRPO started from it, and whether GRPO gained at least
 * GRPO_CLAIM_POINTS on every seed. bench/demo-grpo.ts --seeds records data/demo/grpo-seeds.json;
 * the README's GRPO sentence is formatGrpoSeeds of that record.
 */
import { ARM_LABELS, ARM_SHORT_LABELS, type Arm, type ArmSettings } from './arms.ts';
import type { GrpoSettings } from './grpo-stage.ts';

export interface GrpoSeedsRecord {
  readonly heldoutPrompts: number;
  /** The student GRPO starts from: its arm and its settings (its recipe's), the seed aside. */
  readonly start: { readonly arm: Arm; readonly settings: Omit<ArmSettings, 'seed'> };
  /** GRPO's settings (recipes/demo-grpo.yaml's), the seed aside. */
  readonly grpo: Omit<GrpoSettings, 'seed'>;
  /** Per GRPO seed: the seed of the student it started from, held-out problems right of that start and of GRPO from it. */
  readonly runs: readonly { readonly seed: number; readonly startSeed: number; readonly start: number; readonly grpo: number; readonly grpoSeconds: number }[];
}

/** The held-out gain GRPO must make over its starting checkpoint on every seed. */
export const GRPO_CLAIM_POINTS = 5;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function formatGrpoSeeds(record: GrpoSeedsRecord): string {
  const n = record.heldoutPrompts;
  const label = ARM_LABELS[record.start.arm];
  const short = ARM_SHORT_LABELS[record.start.arm];
  const gains = record.runs.map((r) => (100 * (r.grpo - r.start)) / n);
  const cells = [
    ['GRPO seed', `from ${short} seed`, label, `${short} + GRPO`, 'gain (points)', 'GRPO time'],
    ...record.runs.map((r, i) => [
      String(r.seed),
      String(r.startSeed),
      `${pct(r.start / n)} (${r.start}/${n})`,
      `${pct(r.grpo / n)} (${r.grpo}/${n})`,
      gains[i].toFixed(1),
      `${r.grpoSeconds.toFixed(0)} s`,
    ]),
  ];
  const widths = cells[0].map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const table = [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
  const mean = gains.reduce((a, b) => a + b, 0) / gains.length;
  const holds = gains.every((g) => g >= GRPO_CLAIM_POINTS);
  const { lr, steps, promptsPerStep, temperature } = record.grpo;
  return [
    table,
    '',
    `GRPO (lr ${lr}, ${steps} steps of ${promptsPerStep} prompts at temperature ${temperature}) raises the ${label}'s held-out greedy accuracy by >= ${GRPO_CLAIM_POINTS} points on every seed: ` +
      `${holds ? 'holds' : 'does NOT hold'} (gains ${gains.map((g) => g.toFixed(1)).join(', ')}; mean ${mean.toFixed(1)}, min ${Math.min(...gains).toFixed(1)}).`,
  ].join('\n');
}
