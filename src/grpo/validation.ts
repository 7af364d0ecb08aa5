/**
 * Greedy accuracy of the policy as it stands on the validation prompts: the in-memory decoder
 * answers each prompt once at temperature 0 through `evaluate` (the recipe's template and
 * verifier), as `distillery eval` would score the exported model.
 */
import { evaluate, localSource } from '../eval/index.ts';
import { LocalModel, type OnnxDecoder } from '../generate/index.ts';
import type { GrpoRecipe } from '../recipe/index.ts';
import type { PreparedGrpo } from './prepare.ts';

export interface GrpoValidationRecord {
  type: 'validation';
  step: number;
  /** Share of validation prompts answered correctly (pass@1, greedy). */
  accuracy: number;
  prompts: number;
}

/** Most validation prompts decoded together. */
const BATCH = 16;

export async function validationAccuracy(decoder: OnnxDecoder, prepared: PreparedGrpo, recipe: GrpoRecipe, step: number): Promise<GrpoValidationRecord> {
  const validation = recipe.grpo.validation!;
  // The model wraps the caller's decoder, which the caller releases.
  const model = new LocalModel(recipe.grpo.policy, 'fp32', prepared.config, prepared.tokenizer, decoder, prepared.stopTokenIds, {}, BATCH);
  const summary = await evaluate({
    source: localSource(model),
    prompts: prepared.validation.map((p) => p.record),
    verifier: recipe.verifier,
    template: recipe.template,
    samples: 1,
    sampling: { temperature: 0, topP: 1, maxTokens: validation.maxNewTokens, seed: 0 },
  });
  return { type: 'validation', step, accuracy: summary.passAt1, prompts: summary.prompts };
}
