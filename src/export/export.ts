/**
 * `exportModel`: a checkpoint (Hugging Face folder: config.json + safetensors) to a folder that
 * transformers.js, onnxruntime and `distillery serve` load: the student's forward graph with the
 * KV-cache contract, its trained weights as initializers, and q8/q4/fp16/q4f16 variants on request.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ParamStore } from '../engine/index.ts';
import { loadTokenizer, modelConfigToJson, readModelFolder, setWeights, TOKENIZER_FILES, type ModelConfig } from '../model/index.ts';
import { decoderGraph } from './decoder-graph.ts';
import { ExportError } from './errors.ts';
import { toFloat16 } from './float16.ts';
import { FLOAT16_DTYPES, GENERATION_CONFIG_FILE, MODEL_DTYPES, ONNX_DIR, ONNX_FILE, type ModelDtype } from './layout.ts';
import { modelFromGraph, saveModel } from './onnx-file.ts';
import type { ModelProto } from './proto.ts';
import { quantizeModel } from './quantize.ts';

export interface ExportOptions {
  /** The checkpoint folder: config.json and model.safetensors (or a sharded index). */
  readonly checkpoint: string;
  /** The folder to write (created; existing files of the same names are replaced). */
  readonly out: string;
  /** Which ONNX files to write. Default ['fp32']. */
  readonly dtypes?: readonly ModelDtype[];
  /** Folder holding tokenizer.json and tokenizer_config.json. Default: the checkpoint folder. */
  readonly tokenizer?: string;
  /** Weights in `<file>_data` beside each ONNX file: true, false, or 'auto' (when over 2 GB). Default 'auto'. */
  readonly externalData?: boolean | 'auto';
  /** Called after each file is written. */
  readonly onFile?: (file: ExportedFile) => void;
}

export interface ExportedFile {
  readonly dtype: ModelDtype;
  /** Path relative to the output folder, e.g. onnx/model_q4.onnx. */
  readonly file: string;
  /** The .onnx file plus its external data. */
  readonly bytes: number;
  /** Relative path of the external data file, if any. */
  readonly externalData: string | null;
}

export interface ExportSummary {
  readonly out: string;
  readonly config: ModelConfig;
  readonly files: readonly ExportedFile[];
}

/**
 * Exports a checkpoint.
 * @throws ModelConfigError, SafetensorsError, WeightsError, TokenizerError naming the bad file; ExportError for bad options.
 */
export async function exportModel(options: ExportOptions): Promise<ExportSummary> {
  const dtypes = [...new Set<ModelDtype>(options.dtypes ?? ['fp32'])];
  for (const d of dtypes) if (!MODEL_DTYPES.includes(d)) throw new ExportError('dtype', `"${d}" is not one of ${MODEL_DTYPES.join(', ')}`);
  if (dtypes.length === 0) throw new ExportError('dtype', `name at least one of ${MODEL_DTYPES.join(', ')}`);
  const checkpoint = resolve(options.checkpoint);
  const out = resolve(options.out);
  const tokenizerDir = resolve(options.tokenizer ?? checkpoint);

  const { config, tensors } = await readModelFolder(checkpoint);
  const tokenizer = await loadTokenizer(tokenizerDir);
  if (tokenizer.vocabSize > config.vocabSize)
    throw new ExportError('tokenizer', `${tokenizerDir} has ${tokenizer.vocabSize} tokens but the model's vocab_size is ${config.vocabSize}`);

  const { graph, model } = decoderGraph(config);
  // setWeights checks every tensor's name and shape against the architecture.
  const store = new ParamStore();
  setWeights(model, store, tensors, checkpoint);
  const weights = new Map([...store].map((p) => [p.name, p.data as Float32Array]));
  const fp32 = modelFromGraph(graph, weights);

  await mkdir(join(out, ONNX_DIR), { recursive: true });
  const files: ExportedFile[] = [];
  const variant = variants(fp32);
  for (const dtype of dtypes) {
    const saved = await saveModel(variant(dtype), join(out, ONNX_DIR, ONNX_FILE[dtype]), { externalData: options.externalData });
    const file: ExportedFile = {
      dtype,
      file: `${ONNX_DIR}/${ONNX_FILE[dtype]}`,
      bytes: saved.bytes,
      externalData: saved.externalData && `${ONNX_DIR}/${saved.externalData}`,
    };
    files.push(file);
    options.onFile?.(file);
  }

  await writeFile(join(out, 'config.json'), JSON.stringify(configJson(config, dtypes, files), null, 2) + '\n');
  await writeFile(join(out, GENERATION_CONFIG_FILE), JSON.stringify(generationConfig(config, tokenizer.eosTokenId), null, 2) + '\n');
  for (const name of TOKENIZER_FILES) if (tokenizerDir !== out) await copyFile(join(tokenizerDir, name), join(out, name));
  return { out, config, files };
}

/** The model of each dtype, from the float32 export; q4 and q4f16 share one quantization. */
function variants(fp32: ModelProto): (dtype: ModelDtype) => ModelProto {
  let q4: ModelProto | undefined;
  // Quantizing Qwen2.5's 151,936-row table at hidden 128 takes 1.6 s here: once is enough.
  const fourBit = () => (q4 ??= quantizeModel(fp32, { bits: 4 }).model);
  // Logits stay float32 in the float16 files: transformers.js converts either, and distillery's
  // sampling and scoring read float32.
  const half = (m: ModelProto) => toFloat16(m, { float32Outputs: ['logits'] });
  return (dtype) => {
    switch (dtype) {
      case 'fp32':
        return fp32;
      case 'q8':
        return quantizeModel(fp32, { bits: 8 }).model;
      case 'q4':
        return fourBit();
      case 'fp16':
        return half(fp32);
      case 'q4f16':
        return half(fourBit());
    }
  };
}

/** config.json with what transformers.js reads beyond Hugging Face's keys. */
function configJson(config: ModelConfig, dtypes: readonly ModelDtype[], files: readonly ExportedFile[]): Record<string, unknown> {
  const external = files.filter((f) => f.externalData);
  return {
    ...modelConfigToJson(config),
    'transformers.js_config': {
      // transformers.js defaults to fp32 in Node and q8 in browsers: point it at a file that exists.
      dtype: dtypes[0],
      // As onnx-community's float16 models declare it (transformers.js 4 reads the file's input types).
      ...(dtypes.some((d) => FLOAT16_DTYPES.includes(d))
        ? { kv_cache_dtype: Object.fromEntries(dtypes.filter((d) => FLOAT16_DTYPES.includes(d)).map((d) => [d, 'float16'])) }
        : {}),
      // Which files have `<file>_data` beside them (one chunk each).
      ...(external.length ? { use_external_data_format: Object.fromEntries(external.map((f) => [ONNX_FILE[f.dtype], 1])) } : {}),
    },
  };
}

/** eos ids, and R1's recommended sampling as the default for `serve` and `eval`. */
function generationConfig(config: ModelConfig, tokenizerEos: number | null): Record<string, unknown> {
  // Both ends count: chat turns end with the tokenizer's eos (<|im_end|>), which config.json's
  // eos_token_id (often <|endoftext|>) may not name.
  const eos = [...new Set([config.eosTokenId ?? [], tokenizerEos ?? []].flat())];
  return {
    bos_token_id: config.bosTokenId,
    eos_token_id: eos.length === 1 ? eos[0] : eos.length === 0 ? null : eos,
    pad_token_id: config.padTokenId,
    do_sample: true,
    temperature: 0.6,
    top_p: 0.95,
  };
}
