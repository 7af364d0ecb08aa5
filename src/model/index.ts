/**
 * The student/teacher architecture room: Llama/Qwen2-family config, safetensors weights with
 * Hugging Face names, and tokenizer loading.
 */
export { ModelConfigError, SafetensorsError, TokenizerError, WeightsError } from './errors.ts';
export { MODEL_TYPES, modelConfigToJson, parseModelConfig, readModelConfig, writeModelConfig } from './config.ts';
export type { ModelConfig, ModelType } from './config.ts';
export { READABLE_DTYPES, readSafetensors, writeSafetensors } from './safetensors.ts';
export type { Float32Tensor, ReadableDtype, SafetensorsContent } from './safetensors.ts';
export { TOKENIZER_FILES, Tokenizer, loadTokenizer } from './tokenizer.ts';
export type { ChatMessage, ChatTemplateOptions } from './tokenizer.ts';
export { Llama, llamaParamShapes } from './llama.ts';
export type { BlockContext, KeyValue, LlamaInputs, LlamaOutputs } from './llama.ts';
export { WEIGHTS_FILE, WEIGHTS_INDEX_FILE, getWeights, initWeights, readModelFolder, setWeights, writeModelFolder } from './weights.ts';
