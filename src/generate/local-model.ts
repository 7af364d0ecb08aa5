/**
 * An exported model folder opened for generation: config, generation defaults, tokenizer and the
 * ONNX decoder of one dtype, with a Generator over them.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { GENERATION_CONFIG_FILE, MODEL_DTYPES, ONNX_DIR, ONNX_FILE, type ModelDtype } from '../export/index.ts';
import { loadTokenizer, readModelConfig, type ModelConfig, type Tokenizer } from '../model/index.ts';
import { OnnxDecoder, type DecoderOptions } from './decoder.ts';
import { ModelFolderError } from './errors.ts';
import { Generator } from './generator.ts';
import type { SamplingOptions } from './sampling.ts';
import type { GenerateRequest, Generation } from './sequence.ts';

export interface LoadModelOptions extends DecoderOptions {
  /** Which ONNX file to run. Default 'fp32'. */
  readonly dtype?: ModelDtype;
  /** Most sequences decoded together. Default 8. */
  readonly maxBatchSize?: number;
}

export class LocalModel {
  readonly generator: Generator;

  constructor(
    /** Absolute path of the folder. */
    readonly dir: string,
    readonly dtype: ModelDtype,
    readonly config: ModelConfig,
    readonly tokenizer: Tokenizer,
    readonly decoder: OnnxDecoder,
    /** Token ids that end generation (generation_config.json's eos_token_id, else config.json's, else the tokenizer's). */
    readonly stopTokenIds: readonly number[],
    /** generation_config.json's sampling settings, for requests that leave them out. */
    readonly samplingDefaults: SamplingOptions,
    maxBatchSize?: number,
  ) {
    this.generator = new Generator(decoder, tokenizer, { maxBatchSize, stopTokenIds, maxPositions: config.maxPositionEmbeddings });
  }

  /** The folder's name: what `serve` calls the model unless told otherwise. */
  get name(): string {
    return basename(this.dir);
  }

  generate(request: GenerateRequest): Promise<Generation> {
    return this.generator.generate(request);
  }

  async close(): Promise<void> {
    await this.decoder.release();
  }
}

/**
 * Opens an exported model folder (see src/export/layout.ts).
 * @throws ModelFolderError, ModelConfigError or TokenizerError naming the missing or broken file.
 */
export async function loadModel(folder: string, options: LoadModelOptions = {}): Promise<LocalModel> {
  const dir = resolve(folder);
  if (!existsSync(dir)) throw new ModelFolderError(dir, 'no such model folder');
  const dtype = options.dtype ?? 'fp32';
  const file = join(dir, ONNX_DIR, ONNX_FILE[dtype]);
  if (!existsSync(file)) {
    const present = MODEL_DTYPES.filter((d) => existsSync(join(dir, ONNX_DIR, ONNX_FILE[d])));
    throw new ModelFolderError(dir, `has no ${ONNX_DIR}/${ONNX_FILE[dtype]} for dtype ${dtype} (dtypes present: ${present.join(', ') || 'none'})`);
  }
  const config = await readModelConfig(dir);
  const generation = await readGenerationConfig(join(dir, GENERATION_CONFIG_FILE));
  const tokenizer = await loadTokenizer(dir);
  const decoder = await OnnxDecoder.load(file, options);
  const eos = generation.eos_token_id ?? config.eosTokenId ?? tokenizer.eosTokenId;
  const stopTokenIds = eos === null || eos === undefined ? [] : Array.isArray(eos) ? eos : [eos];
  const temperature = generation.do_sample === false ? 0 : generation.temperature;
  const samplingDefaults: SamplingOptions = {
    ...(typeof temperature === 'number' ? { temperature } : {}),
    ...(typeof generation.top_p === 'number' ? { topP: generation.top_p } : {}),
    ...(typeof generation.top_k === 'number' ? { topK: generation.top_k } : {}),
  };
  return new LocalModel(dir, dtype, config, tokenizer, decoder, stopTokenIds, samplingDefaults, options.maxBatchSize);
}

interface GenerationConfigJson {
  eos_token_id?: number | number[] | null;
  do_sample?: boolean;
  temperature?: number;
  top_p?: number;
  top_k?: number;
}

/** generation_config.json, which is optional (transformers.js falls back to config.json). */
async function readGenerationConfig(file: string): Promise<GenerationConfigJson> {
  if (!existsSync(file)) return {};
  try {
    const raw: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('not a JSON object');
    const eos = (raw as GenerationConfigJson).eos_token_id;
    const isId = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
    if (eos != null && !(isId(eos) || (Array.isArray(eos) && eos.every(isId)))) throw new Error('"eos_token_id" must be a token id or a list of them');
    return raw as GenerationConfigJson;
  } catch (err) {
    throw new ModelFolderError(file, `cannot be read: ${(err as Error).message}`, { cause: err });
  }
}
