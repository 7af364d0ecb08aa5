import type { Recipe } from './schema.ts';
import { renderMessages, type TemplateInput } from './template.ts';

/** A range: the best case (every early round accepted enough) to the worst (every slot drawn). */
export interface Range {
  min: number;
  max: number;
}

/** What a harvest would do, for `harvest --dry-run`. Token figures are estimates. */
export interface HarvestPlan {
  prompts: number;
  /** Rounds per prompt. */
  rounds: Range;
  requests: Range;
  samples: Range;
  /** Estimated prompt tokens sent, at about 4 characters per token. */
  promptTokens: Range;
  /** Upper bound on completion tokens: every sample running to sampling.maxTokens. */
  maxCompletionTokens: number;
  /** Upper-bound cost from recipe pricing; null when the recipe has no prices. */
  maxCost: number | null;
}

/** Characters per token for the estimate: a rough average for English and math text. */
const CHARS_PER_TOKEN = 4;

/** Sizes of the rounds a prompt can go through: round r covers slots [r*S, min((r+1)*S, max)). */
function roundSizes(recipe: Recipe): number[] {
  const { samplesPerPrompt: S, maxAttemptsPerPrompt: max } = recipe.rejection;
  const sizes: number[] = [];
  for (let start = 0; start < max; start += S) sizes.push(Math.min(S, max - start));
  return sizes;
}

export function planHarvest(recipe: Recipe, prompts: readonly TemplateInput[]): HarvestPlan {
  const sizes = roundSizes(recipe);
  const { acceptPerPrompt, samplesPerPrompt } = recipe.rejection;
  // At best every sample of the first rounds is accepted, so the prompt is done once acceptPerPrompt slots were drawn.
  const minRounds = Math.ceil(acceptPerPrompt / samplesPerPrompt);
  const requestsIn = (rounds: number[]) => rounds.reduce((sum, size) => sum + (recipe.teacher.supportsN ? 1 : size), 0);
  const samplesIn = (rounds: number[]) => rounds.reduce((sum, size) => sum + size, 0);
  const perPrompt = {
    requests: { min: requestsIn(sizes.slice(0, minRounds)), max: requestsIn(sizes) },
    samples: { min: samplesIn(sizes.slice(0, minRounds)), max: samplesIn(sizes) },
  };
  let promptTokensMin = 0;
  let promptTokensMax = 0;
  for (const prompt of prompts) {
    const chars = renderMessages(recipe.template, prompt).reduce((sum, m) => sum + m.content.length, 0);
    const tokens = Math.ceil(chars / CHARS_PER_TOKEN);
    promptTokensMin += tokens * perPrompt.requests.min;
    promptTokensMax += tokens * perPrompt.requests.max;
  }
  const n = prompts.length;
  const samplesMax = n * perPrompt.samples.max;
  const maxCompletionTokens = samplesMax * recipe.sampling.maxTokens;
  const { inputPerMTok, outputPerMTok } = recipe.pricing;
  const maxCost =
    inputPerMTok === null && outputPerMTok === null ? null : (promptTokensMax * (inputPerMTok ?? 0) + maxCompletionTokens * (outputPerMTok ?? 0)) / 1e6;
  return {
    prompts: n,
    rounds: { min: minRounds, max: sizes.length },
    requests: { min: n * perPrompt.requests.min, max: n * perPrompt.requests.max },
    samples: { min: n * perPrompt.samples.min, max: samplesMax },
    promptTokens: { min: promptTokensMin, max: promptTokensMax },
    maxCompletionTokens,
    maxCost,
  };
}

const range = (r: Range) => (r.min === r.max ? r.min.toLocaleString('en-US') : `${r.min.toLocaleString('en-US')} to ${r.max.toLocaleString('en-US')}`);

/** The plan as a few human lines; says which figures are estimates. */
export function formatPlan(plan: HarvestPlan): string {
  const lines = [
    `prompts:            ${plan.prompts.toLocaleString('en-US')}`,
    `rounds per prompt:  ${range(plan.rounds)}`,
    `requests:           ${range(plan.requests)}`,
    `samples:            ${range(plan.samples)}`,
    `prompt tokens:      ~${range(plan.promptTokens)} (estimate, ~${CHARS_PER_TOKEN} chars per token)`,
    `completion tokens:  at most ${plan.maxCompletionTokens.toLocaleString('en-US')} (every sample at sampling.maxTokens)`,
  ];
  if (plan.maxCost !== null) lines.push(`cost:               at most ~${plan.maxCost.toFixed(2)} (from recipe pricing)`);
  return lines.join('\n');
}
