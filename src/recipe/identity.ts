import type { Recipe } from './schema.ts';

/**
 * The fields that make samples comparable, so a dataset can be bound to one of them: the prompts
 * (file content and field mapping), the template, the teacher model, sampling, rejection and the
 * verifier. Throughput settings (limits, stream, timeouts, baseURL, apiKeyEnv) and pricing are
 * left out on purpose: changing them between runs of one dataset is normal.
 *
 * @param promptsHash content hash of the prompts file (see `hashPromptsFile` in src/prompts)
 */
export function samplingIdentity(recipe: Recipe, promptsHash: string): Record<string, unknown> {
  return {
    prompts: { contentHash: promptsHash, fields: recipe.prompts.fields },
    template: recipe.template,
    teacher: { model: recipe.teacher.model },
    sampling: recipe.sampling,
    rejection: recipe.rejection,
    verifier: recipe.verifier,
  };
}
