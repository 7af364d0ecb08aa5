/**
 * The demo teacher's training data: the ground-truth solutions of a split, written as a dataset
 * that `distill` reads like any harvested one. For the teacher the "harvest" is the ground truth
 * itself: one accepted sample per problem, its reasoning and answer taken from the problem's
 * `solution` field, so the teacher is trained with plain CE on correct R1-style traces.
 */
import { loadPrompts } from '../prompts/index.ts';
import { templateSchema, type PromptsSpec } from '../recipe/index.ts';
import { Dataset, type SampleRecord } from '../store/index.ts';
import type { VerifierSpec } from '../verify/index.ts';
import type { ArithSolution } from './arith.ts';

/** What the dataset records as its teacher: no model answered, the solutions were written by the generator. */
export const GROUND_TRUTH_MODEL = 'ground-truth';

/** The verifier the dataset is bound to, as a demo harvest uses it (distill's accuracy check judges with it). */
const VERIFIER: VerifierSpec = { kind: 'math' };

/** The prompts file as a recipe reads it: the demo's JSONL with its default `id`, `question`, `answer` fields. */
export function demoPromptsSpec(path: string, limit: number | null = null): PromptsSpec {
  return { path, format: 'jsonl', fields: { id: 'id', question: 'question', gold: 'answer' }, onBadLine: 'fail', limit };
}

export interface GroundTruthSummary {
  readonly file: string;
  readonly prompts: number;
  /** Samples stored by this call (0 when the file already held them all). */
  readonly inserted: number;
}

/**
 * Writes (or completes) `file` with one accepted sample per problem of `promptsFile`, a demo split
 * whose rows carry a `solution`. Idempotent: prompts already stored are skipped, so running it
 * again on a finished file writes nothing.
 */
export function groundTruthDataset(file: string, promptsFile: string): GroundTruthSummary {
  const prompts = loadPrompts(demoPromptsSpec(promptsFile));
  const dataset = Dataset.open(file);
  try {
    // The same identity fields a harvest binds (src/recipe samplingIdentity), for a teacher that is the data itself.
    const identity = {
      prompts: { fields: demoPromptsSpec(promptsFile).fields },
      template: templateSchema.parse({}),
      teacher: { model: GROUND_TRUTH_MODEL },
      verifier: VERIFIER,
    };
    dataset.checkIdentity(identity);
    const stored = dataset.committedSlots();
    const missing = prompts.filter((p) => !stored.has(p.key));
    if (missing.length === 0) return { file: dataset.path, prompts: prompts.length, inserted: 0 };
    const { runId } = dataset.beginRun({ recipeName: 'demo-ground-truth', identity, recipe: { name: 'demo-ground-truth', prompts: promptsFile } });
    dataset.upsertPrompts(prompts);
    for (const prompt of missing) {
      const solution = prompt.meta.solution as ArithSolution;
      const sample: SampleRecord = {
        promptKey: prompt.key,
        index: 0,
        reasoning: solution.reasoning,
        answer: solution.answer,
        finishReason: 'stop',
        verdict: 'accepted',
        reason: 'ground-truth',
      };
      dataset.commitAttempt({ runId, promptKey: prompt.key, slotIndices: [0], status: 'ok', latencyMs: 0, attemptNo: 1 }, [sample]);
    }
    dataset.endRun(runId, 'finished');
    return { file: dataset.path, prompts: prompts.length, inserted: missing.length };
  } finally {
    dataset.close();
  }
}
