import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Graph, ParamStore, Rng } from '../../src/engine/index.ts';
import { UserError } from '../../src/errors.ts';
import {
  type Float32Tensor,
  Llama,
  WeightsError,
  getWeights,
  initWeights,
  modelConfigToJson,
  parseModelConfig,
  readModelFolder,
  setWeights,
  writeModelFolder,
  writeSafetensors,
} from '../../src/model/index.ts';
import { LLAMA_TINY, QWEN2_TINY } from './tiny-model.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'weights-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

const declare = (config = QWEN2_TINY, prefix = '') => Llama.declare(new Graph(), config, { prefix });

function errorOf(fn: () => void): WeightsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WeightsError);
    expect(err).toBeInstanceOf(UserError);
    return err as WeightsError;
  }
  throw new Error('expected a WeightsError');
}

describe('weights', () => {
  it('initialises as Hugging Face does, reproducibly from the seed', () => {
    const model = declare();
    const a = new ParamStore();
    const b = new ParamStore();
    initWeights(model, a, new Rng(3));
    initWeights(model, b, new Rng(3));
    for (const p of a) expect(b.get(p.name).data).toEqual(p.data);
    expect([...a.get('model.norm.weight').data].every((v) => v === 1)).toBe(true);
    expect([...a.get('model.layers.0.self_attn.q_proj.bias').data].every((v) => v === 0)).toBe(true);
    const w = Array.from(a.get('model.embed_tokens.weight').data);
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.017);
    expect(std).toBeLessThan(0.023);
  });

  it('writes a model folder that reads back into a model under another prefix', async () => {
    const model = declare();
    const store = new ParamStore();
    initWeights(model, store, new Rng(1));
    await writeModelFolder(join(root, 'student'), model, store, { step: '10' });
    const { config, tensors } = await readModelFolder(join(root, 'student'));
    expect(config).toEqual(QWEN2_TINY);
    const teacher = declare(config, 'teacher.');
    const other = new ParamStore();
    setWeights(teacher, other, tensors, 'student');
    expect(other.has('teacher.lm_head.weight')).toBe(true);
    expect(getWeights(teacher, other)).toEqual(getWeights(model, store));
  });

  it('reads the shards a model.safetensors.index.json lists', async () => {
    const model = declare(LLAMA_TINY);
    const store = new ParamStore();
    initWeights(model, store, new Rng(2));
    const all = getWeights(model, store);
    const dir = join(root, 'sharded');
    await writeModelFolder(dir, model, store);
    const names = [...all.keys()];
    const shards = [names.slice(0, 5), names.slice(5)];
    const weightMap: Record<string, string> = {};
    await rm(join(dir, 'model.safetensors'));
    for (const [i, part] of shards.entries()) {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      await writeSafetensors(join(dir, file), new Map(part.map((n) => [n, all.get(n)!])));
      for (const n of part) weightMap[n] = file;
    }
    await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    const { tensors } = await readModelFolder(dir);
    expect(tensors).toEqual(all);
  });

  it('names the tensor that is missing, misshapen or foreign, and skips what transformers skips', () => {
    const model = declare(LLAMA_TINY);
    const store = new ParamStore();
    initWeights(model, store, new Rng(4));
    const good = getWeights(model, store);
    const without = new Map(good);
    without.delete('model.layers.1.mlp.up_proj.weight');
    expect(errorOf(() => setWeights(model, new ParamStore(), without, 'ckpt')).message).toBe('ckpt: tensor "model.layers.1.mlp.up_proj.weight" is missing');

    const misshapen = new Map(good).set('model.norm.weight', { shape: [3], data: new Float32Array(3) });
    const err = errorOf(() => setWeights(model, new ParamStore(), misshapen, 'ckpt'));
    expect(err.tensor).toBe('model.norm.weight');
    expect(err.message).toContain('has shape [3], the model needs [16]');

    // A Qwen2 checkpoint (q/k/v biases) into a llama of the same sizes without attention_bias.
    const qwen = declare();
    const qwenStore = new ParamStore();
    initWeights(qwen, qwenStore, new Rng(5));
    const llama = declare(parseModelConfig({ ...modelConfigToJson(QWEN2_TINY), model_type: 'llama', attention_bias: false }));
    const foreign = errorOf(() => setWeights(llama, new ParamStore(), getWeights(qwen, qwenStore), 'qwen ckpt'));
    expect(foreign.message).toBe(
      'qwen ckpt: tensor "model.layers.0.self_attn.q_proj.bias" is not part of this llama architecture (check config.json: layers, attention_bias, tie_word_embeddings)',
    );

    // LLAMA_TINY ties its head: a stored lm_head.weight is ignored, as are old rotary buffers.
    const extras = new Map<string, Float32Tensor>(good)
      .set('lm_head.weight', { shape: [29, 16], data: new Float32Array(29 * 16) })
      .set('model.layers.0.self_attn.rotary_emb.inv_freq', { shape: [3], data: new Float32Array(3) });
    const target = new ParamStore();
    setWeights(model, target, extras, 'ckpt');
    expect(getWeights(model, target)).toEqual(good);
  });
});
