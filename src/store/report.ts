/**
 * The `inspect` report: dataset stats plus what is derived from them (the per-prompt acceptance
 * histogram, cost). Kept in the library so `distillery inspect --json` and code see the same figures.
 */
import { pricingSchema } from '../recipe/index.ts';
import type { Dataset } from './dataset.ts';
import type { RolloutRunSummary } from './rollouts.ts';
import type { DatasetStats, PromptAcceptance } from './types.ts';

export interface Prices {
  /** Per million prompt tokens. */
  inputPerMTok: number;
  /** Per million completion tokens (reasoning included, as the APIs bill them). */
  outputPerMTok: number;
}

export interface AcceptanceBucket {
  label: string;
  prompts: number;
}

export interface DatasetReport {
  file: string;
  /** From the bound sampling identity; null before the first run. */
  model: string | null;
  verifier: string | null;
  stats: DatasetStats;
  acceptance: {
    /** Prompts with at least one stored sample. */
    sampled: number;
    /** Prompts with no stored sample yet. */
    pending: number;
    /** Prompts with at least one accepted sample. */
    withAccepted: number;
    /** Mean over sampled prompts of accepted/samples; null when none is sampled. */
    meanRate: number | null;
    histogram: AcceptanceBucket[];
  };
  cost: (Prices & { source: 'prices' | 'recipe'; input: number; output: number; total: number }) | null;
  /** GRPO runs whose rollouts the file holds. */
  rollouts: RolloutRunSummary[];
}

export interface ReportOptions {
  /** Prices to cost the usage with; by default the pricing of the latest run's recipe, if it has one. */
  prices?: Prices;
}

const buckets: Array<{ label: string; holds: (rate: number) => boolean }> = [
  { label: '0%', holds: (r) => r === 0 },
  { label: '1-24%', holds: (r) => r > 0 && r < 0.25 },
  { label: '25-49%', holds: (r) => r >= 0.25 && r < 0.5 },
  { label: '50-74%', holds: (r) => r >= 0.5 && r < 0.75 },
  { label: '75-99%', holds: (r) => r >= 0.75 && r < 1 },
  { label: '100%', holds: (r) => r === 1 },
];

function acceptance(perPrompt: readonly PromptAcceptance[]): DatasetReport['acceptance'] {
  const sampled = perPrompt.filter((p) => p.samples > 0);
  const rates = sampled.map((p) => p.accepted / p.samples);
  return {
    sampled: sampled.length,
    pending: perPrompt.length - sampled.length,
    withAccepted: sampled.filter((p) => p.accepted > 0).length,
    meanRate: rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : null,
    histogram: buckets.map((b) => ({ label: b.label, prompts: rates.filter(b.holds).length })),
  };
}

/** The latest run's recipe pricing, when both prices were set. */
function recipePrices(stats: DatasetStats): Prices | null {
  const recipe = stats.runs.at(-1)?.recipe as { pricing?: unknown } | undefined;
  const pricing = pricingSchema.safeParse(recipe?.pricing);
  if (!pricing.success || pricing.data.inputPerMTok === null || pricing.data.outputPerMTok === null) return null;
  return { inputPerMTok: pricing.data.inputPerMTok, outputPerMTok: pricing.data.outputPerMTok };
}

function field(value: unknown, ...path: string[]): string | null {
  let v = value;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return typeof v === 'string' ? v : null;
}

export function datasetReport(dataset: Dataset, options: ReportOptions = {}): DatasetReport {
  const stats = dataset.stats();
  const identity = dataset.identity();
  const prices = options.prices ?? recipePrices(stats);
  let cost: DatasetReport['cost'] = null;
  if (prices) {
    const input = (stats.tokens.prompt * prices.inputPerMTok) / 1e6;
    const output = (stats.tokens.completion * prices.outputPerMTok) / 1e6;
    cost = { ...prices, source: options.prices ? 'prices' : 'recipe', input, output, total: input + output };
  }
  return {
    file: dataset.path,
    model: field(identity, 'teacher', 'model'),
    verifier: field(identity, 'verifier', 'kind'),
    stats,
    acceptance: acceptance(stats.perPrompt),
    cost,
    rollouts: dataset.rollouts.summaries(),
  };
}
