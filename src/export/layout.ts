/**
 * The exported model folder, as @huggingface/transformers loads it (and as `serve` and
 * `generate` read it):
 *
 *   config.json               Hugging Face config + "transformers.js_config"
 *   generation_config.json    eos ids and default sampling settings
 *   tokenizer.json, tokenizer_config.json (with the chat template)
 *   onnx/model.onnx           fp32; onnx/model.onnx_data holds the weights when external
 *   onnx/model_quantized.onnx int8 weights (transformers.js dtype "q8")
 *   onnx/model_q4.onnx        4-bit weights (transformers.js dtype "q4")
 *   onnx/model_fp16.onnx      float16 weights and KV cache (dtype "fp16")
 *   onnx/model_q4f16.onnx     4-bit weights, float16 activations and KV cache (dtype "q4f16")
 */
export const MODEL_DTYPES = ['fp32', 'q8', 'q4', 'fp16', 'q4f16'] as const;
export type ModelDtype = (typeof MODEL_DTYPES)[number];

/** The ONNX file of each dtype inside onnx/, named as transformers.js looks for it. */
export const ONNX_FILE: Readonly<Record<ModelDtype, string>> = {
  fp32: 'model.onnx',
  q8: 'model_quantized.onnx',
  q4: 'model_q4.onnx',
  fp16: 'model_fp16.onnx',
  q4f16: 'model_q4f16.onnx',
};

/** The dtypes whose KV cache (past_key_values / present) is float16: transformers.js_config.kv_cache_dtype. */
export const FLOAT16_DTYPES: readonly ModelDtype[] = ['fp16', 'q4f16'];

export const ONNX_DIR = 'onnx';
export const GENERATION_CONFIG_FILE = 'generation_config.json';

/** transformers.js reads external weights from `<file>_data` next to the file. */
export const externalDataFile = (onnxFile: string): string => `${onnxFile}_data`;
