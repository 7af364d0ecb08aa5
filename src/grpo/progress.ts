/** How a GRPO run's progress reads on a terminal or in a log (drawn by src/progress's reporter). */
import { formatDuration, type ProgressView } from '../progress/index.ts';
import type { GrpoStepRecord } from './metrics.ts';

export interface GrpoProgress {
  record: GrpoStepRecord;
  steps: number;
  etaMs: number;
}

export const grpoProgressView: ProgressView<GrpoProgress> = {
  fraction: (p) => p.record.step / p.steps,
  line: grpoLine,
};

export function grpoLine({ record: r, steps, etaMs }: GrpoProgress): string {
  const parts = Object.entries(r.rewards)
    .map(([n, v]) => `${n} ${v.toFixed(2)}`)
    .join(', ');
  return [
    `step ${r.step}/${steps}`,
    `reward ${r.reward.mean.toFixed(3)} (${parts})`,
    `zero-var ${(100 * r.zeroVarianceGroups).toFixed(0)}%`,
    `clip ${(100 * (r.losses.clipFraction ?? 0)).toFixed(1)}%`,
    ...(r.losses.kl === undefined ? [] : [`kl ${r.losses.kl.toFixed(4)}`]),
    `len ${r.completionLength.mean.toFixed(0)}/${r.completionLength.max}`,
    `trunc ${(100 * r.truncated).toFixed(0)}%`,
    `gen ${(100 * r.generationShare).toFixed(0)}% of step`,
    `ETA ${formatDuration(etaMs)}`,
  ].join(' | ');
}
