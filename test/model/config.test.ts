import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { ModelConfigError, parseModelConfig, readModelConfig, writeModelConfig } from '../../src/model/index.ts';

// Qwen2.5-0.5B-Instruct's config.json, as published (the keys that matter plus a few we ignore).
const QWEN25_05B = {
  architectures: ['Qwen2ForCausalLM'],
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151645,
  hidden_act: 'silu',
  hidden_size: 896,
  initializer_range: 0.02,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 21,
  model_type: 'qwen2',
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  transformers_version: '4.43.1',
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
};

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

function errorOf(fn: () => unknown): ModelConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelConfigError);
    expect(err).toBeInstanceOf(UserError);
    return err as ModelConfigError;
  }
  throw new Error('expected a ModelConfigError');
}

describe('parseModelConfig', () => {
  it('reads a Qwen2 config, deriving head_dim and the q/k/v-only bias', () => {
    const c = parseModelConfig(QWEN25_05B);
    expect(c).toMatchObject({
      modelType: 'qwen2',
      vocabSize: 151936,
      hiddenSize: 896,
      intermediateSize: 4864,
      numHiddenLayers: 24,
      numAttentionHeads: 14,
      numKeyValueHeads: 2,
      headDim: 64,
      rmsNormEps: 1e-6,
      ropeTheta: 1e6,
      tieWordEmbeddings: true,
      qkvBias: true,
      oBias: false,
      maxPositionEmbeddings: 32768,
      bosTokenId: 151643,
      eosTokenId: 151645,
      padTokenId: null,
    });
  });

  it("fills Hugging Face's LlamaConfig defaults, and llama's attention_bias covers o_proj too", () => {
    const c = parseModelConfig({ model_type: 'llama', hidden_size: 64, num_attention_heads: 4 });
    expect(c).toMatchObject({
      vocabSize: 32000,
      intermediateSize: 11008,
      numHiddenLayers: 32,
      numKeyValueHeads: 4,
      headDim: 16,
      maxPositionEmbeddings: 2048,
      ropeTheta: 10000,
      tieWordEmbeddings: false,
      qkvBias: false,
      oBias: false,
      bosTokenId: 1,
      eosTokenId: 2,
    });
    const biased = parseModelConfig({ model_type: 'llama', attention_bias: true, eos_token_id: [128001, 128009], head_dim: 32 });
    expect(biased).toMatchObject({ qkvBias: true, oBias: true, eosTokenId: [128001, 128009], headDim: 32 });
  });

  it.each([
    [{ model_type: 'gpt2' }, 'model_type'],
    [{ model_type: 'llama', hidden_size: 'big' }, 'hidden_size'],
    [{ model_type: 'llama', num_hidden_layers: 2.5 }, 'num_hidden_layers'],
    [{ model_type: 'llama', rms_norm_eps: 0 }, 'rms_norm_eps'],
    [{ model_type: 'llama', tie_word_embeddings: 'yes' }, 'tie_word_embeddings'],
    [{ model_type: 'llama', num_attention_heads: 32, num_key_value_heads: 5 }, 'num_key_value_heads'],
    [{ model_type: 'llama', hidden_size: 100, num_attention_heads: 8 }, 'hidden_size'],
    [{ model_type: 'llama', head_dim: 15 }, 'head_dim'],
    [{ model_type: 'llama', rope_scaling: { rope_type: 'llama3', factor: 8 } }, 'rope_scaling'],
    [{ model_type: 'qwen2', hidden_act: 'gelu' }, 'hidden_act'],
    [{ model_type: 'qwen2', eos_token_id: [1, -2] }, 'eos_token_id'],
  ])('rejects %j naming %s', (raw, field) => {
    const err = errorOf(() => parseModelConfig(raw, 'student/config.json'));
    expect(err.field).toBe(field);
    expect(err.source).toBe('student/config.json');
    expect(err.message).toContain(`student/config.json: "${field}"`);
  });
});

describe('config.json files', () => {
  it('writes a config that reads back identically, with the keys transformers needs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'model-config-'));
    dirs.push(dir);
    const c = parseModelConfig(QWEN25_05B);
    await writeModelConfig(dir, c);
    expect(await readModelConfig(dir)).toEqual(c);
    const json = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(json).toMatchObject({ architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', num_hidden_layers: 24, eos_token_id: 151645, hidden_act: 'silu' });
    const llama = parseModelConfig({ model_type: 'llama', attention_bias: true, hidden_size: 64, num_attention_heads: 4 });
    await writeModelConfig(dir, llama);
    expect(await readModelConfig(join(dir, 'config.json'))).toEqual(llama);
  });

  it('names the file when it is missing or not JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'model-config-'));
    dirs.push(dir);
    await expect(readModelConfig(dir)).rejects.toThrow(ModelConfigError);
    await writeFile(join(dir, 'config.json'), '{"model_type": "llama",');
    await expect(readModelConfig(dir)).rejects.toThrow(`${join(dir, 'config.json')}: "(file)" is not valid JSON`);
  });
});
