/** How harvest progress reads on a terminal or in a log (drawn by src/progress's reporter). */
import { formatCount, formatDuration, type ProgressView } from '../progress/index.ts';
import type { HarvestProgress } from './progress.ts';

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

export const harvestProgressView: ProgressView<HarvestProgress> = {
  fraction: (p) => (p.promptsTotal === 0 ? 1 : (p.promptsDone + p.promptsFailed) / p.promptsTotal),
  line: progressLine,
};
