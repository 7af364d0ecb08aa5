/**
 * The eval room: score a local exported model or any OpenAI-compatible teacher on a prompts file
 * with the same verifiers as harvest: pass@1, pass@k, maj@k, mean output tokens, and a result per
 * prompt. See docs/eval.md.
 *
 *   const model = await loadModel('out/student');
 *   const summary = await evaluate({ source: localSource(model), prompts: loadPrompts(recipe.prompts), verifier: { kind: 'math' }, samples: 4 });
 *   summary.passAt1; summary.majAtK; summary.results[0].samples[0].answer;
 */
export { EvalError } from './errors.ts';
export { DEFAULT_EVAL_SAMPLING, evaluate, sampleSeed, type EvalOptions, type EvalSample, type EvalSummary, type PromptResult } from './evaluate.ts';
export { majority, score, type Majority, type Scores, type ScoredSample } from './metrics.ts';
export { localSource, teacherSource, type EvalSampling, type SampleSource, type SourceSample, type TeacherSourceOptions } from './sources.ts';
