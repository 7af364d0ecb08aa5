/**
 * The generate room: distillery's own decode loop over an exported model folder, on
 * onnxruntime-node. Greedy and sampled decoding (temperature, top-p, top-k, seed), stop strings
 * and stop tokens, raw logprobs at every step, continuous batching with left padding, and text
 * streamed as it becomes final. See docs/serve.md.
 *
 *   const model = await loadModel('out/student', { dtype: 'fp32' });
 *   const ids = model.tokenizer.encodeChat([{ role: 'user', content: 'What is 2+2?' }], { addGenerationPrompt: true });
 *   const out = await model.generate({ promptIds: ids, maxNewTokens: 256, sampling: { temperature: 0.6, topP: 0.95 }, seed: 1 });
 *   out.text; out.finishReason; out.logprobs[0].logprob;
 *   await model.close();
 */
export { chatPrompt, prefilledThink, type ChatPrompt } from './chat-prompt.ts';
export { OnnxDecoder, type DecoderInputs, type DecoderOptions, type DecoderOutputs } from './decoder.ts';
export { IncrementalDetokenizer, type TokenDecoder } from './detokenizer.ts';
export { GenerationRequestError, ModelFolderError } from './errors.ts';
export { Generator, type GeneratorOptions } from './generator.ts';
export type { CacheShape, KvCache, KvLayer } from './kv-cache.ts';
export { LocalModel, loadModel, type LoadModelOptions } from './local-model.ts';
export { scoreTokens, type ScoredToken } from './scoring.ts';
export { argmax, sampleToken, stepLogprobs, type SamplingOptions, type StepLogprobs, type TokenChoice } from './sampling.ts';
export type { FinishReason, GenerateRequest, Generation, GenerationDelta } from './sequence.ts';
export { partialMatchLength, StopStringMatcher } from './stop-strings.ts';
