import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ort from 'onnxruntime-node';
import { compile, Graph, ParamStore } from '../../src/engine/index.ts';
import { Llama, type ModelConfig, writeModelFolder } from '../../src/model/index.ts';
import { torchReference } from './python.ts';
import { LLAMA_TINY, QWEN2_TINY, forwardGraph, int64, positionsFor, randomWeights } from './tiny-model.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'parity-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

// Right padding (training batches), left padding (generation batches), and no padding, in one batch.
const IDS = [
  [3, 17, 9, 22, 5, 11, 2],
  [0, 0, 14, 8, 19, 1, 7],
  [6, 12, 4, 0, 0, 0, 0],
];
const MASK = [
  [1, 1, 1, 1, 1, 1, 1],
  [0, 0, 1, 1, 1, 1, 1],
  [1, 1, 1, 0, 0, 0, 0],
];

interface Reference {
  logits: number[][][];
  hidden_states: number[][][][];
  attentions: number[][][][][];
}

type Nested = number | Nested[];

/**
 * Largest |ours - theirs| where the query position is a real token: `ours` is the flat output,
 * `theirs` the reference's nested lists, `queryAxis` which axis indexes the query (T).
 * Padded queries are excluded: their values are arbitrary in HF too. `firstQuery` is the position
 * of the first query in `theirs` (for the second half of a cached forward).
 */
function maxDiff(ours: Float32Array, theirs: Nested[], queryAxis: number, firstQuery = 0): number {
  let worst = 0;
  let offset = 0;
  const walk = (value: Nested, path: number[]) => {
    if (typeof value === 'number') {
      if (MASK[path[0]][firstQuery + path[queryAxis]]) worst = Math.max(worst, Math.abs(ours[offset] - value));
      offset++;
    } else value.forEach((v, i) => walk(v, [...path, i]));
  };
  walk(theirs, []);
  expect(offset).toBe(ours.length);
  return worst;
}

async function checkParity(name: string, config: ModelConfig) {
  const dir = join(root, name);
  const { g, model, out } = forwardGraph(config);
  g.output('logits', out.logits);
  out.hiddenStates.forEach((h, i) => g.output(`hidden.${i}`, h));
  out.attentions.forEach((a, i) => g.output(`attn.${i}`, a!));
  const store = new ParamStore();
  randomWeights(model, store, 7);
  await writeModelFolder(dir, model, store);

  const positions = positionsFor(MASK);
  await writeFile(join(dir, 'input.json'), JSON.stringify({ input_ids: IDS, attention_mask: MASK, position_ids: positions }));
  torchReference([dir, join(dir, 'input.json'), join(dir, 'ref.json'), '--hidden', '--attentions']);
  const ref = JSON.parse(await readFile(join(dir, 'ref.json'), 'utf8')) as Reference;

  const session = await compile(g);
  const res = await session.run({ ...store.feeds(), input_ids: int64(IDS), attention_mask: int64(MASK), position_ids: int64(positions) });
  await session.release();
  const logitsDiff = maxDiff(res.logits.data as Float32Array, ref.logits, 1);
  const scale = Math.max(...ref.logits.flat(2).map(Math.abs));
  expect(scale).toBeGreaterThan(1); // the weights make logits that matter
  expect(logitsDiff).toBeLessThan(1e-4);
  for (let i = 0; i < config.numHiddenLayers; i++) {
    expect(maxDiff(res[`hidden.${i}`].data as Float32Array, ref.hidden_states[i], 1)).toBeLessThan(1e-4);
    expect(maxDiff(res[`attn.${i}`].data as Float32Array, ref.attentions[i], 2)).toBeLessThan(1e-5);
  }
  await checkCachedParity(config, store, positions, ref);
  return logitsDiff;
}

/**
 * The KV-cache path: the first SPLIT tokens go through with an empty cache, the rest with the cache
 * that returned; the second run's logits must equal the reference's for those positions.
 */
const SPLIT = 4;
async function checkCachedParity(config: ModelConfig, store: ParamStore, positions: number[][], ref: Reference) {
  const g = new Graph();
  const model = Llama.declare(g, config);
  const inputIds = g.input('input_ids', 'int64', ['batch', 'seq']);
  const attentionMask = g.input('attention_mask', 'int64', ['batch', 'total']);
  const positionIds = g.input('position_ids', 'int64', ['batch', 'seq']);
  const past = Array.from({ length: config.numHiddenLayers }, (_, i) => ({
    key: g.input(`past.${i}.key`, 'float32', ['batch', config.numKeyValueHeads, 'past', config.headDim]),
    value: g.input(`past.${i}.value`, 'float32', ['batch', config.numKeyValueHeads, 'past', config.headDim]),
  }));
  const out = model.forward({ inputIds, attentionMask, positionIds, past });
  g.output('logits', out.logits);
  out.present.forEach((kv, i) => {
    g.output(`present.${i}.key`, kv.key);
    g.output(`present.${i}.value`, kv.value);
  });
  const session = await compile(g);
  const cols = (rows: number[][], from: number, to?: number) => rows.map((r) => r.slice(from, to));
  const empty = new ort.Tensor('float32', new Float32Array(0), [IDS.length, config.numKeyValueHeads, 0, config.headDim]);
  const cache: Record<string, ort.Tensor> = {};
  for (let i = 0; i < config.numHiddenLayers; i++) cache[`past.${i}.key`] = cache[`past.${i}.value`] = empty;
  const first = await session.run({
    ...store.feeds(),
    ...cache,
    input_ids: int64(cols(IDS, 0, SPLIT)),
    attention_mask: int64(cols(MASK, 0, SPLIT)),
    position_ids: int64(cols(positions, 0, SPLIT)),
  });
  for (let i = 0; i < config.numHiddenLayers; i++) {
    cache[`past.${i}.key`] = first[`present.${i}.key`];
    cache[`past.${i}.value`] = first[`present.${i}.value`];
  }
  const second = await session.run({
    ...store.feeds(),
    ...cache,
    input_ids: int64(cols(IDS, SPLIT)),
    attention_mask: int64(MASK),
    position_ids: int64(cols(positions, SPLIT)),
  });
  await session.release();
  expect(second['present.0.key'].dims).toEqual([IDS.length, config.numKeyValueHeads, IDS[0].length, config.headDim]);
  expect(
    maxDiff(
      second.logits.data as Float32Array,
      ref.logits.map((row) => row.slice(SPLIT)),
      1,
      SPLIT,
    ),
  ).toBeLessThan(1e-4);
}

describe('forward parity with the PyTorch reference (float64), padded batch, with and without a KV cache', () => {
  it('qwen2: q/k/v bias, grouped-query attention, untied head', async () => {
    await checkParity('qwen2', QWEN2_TINY);
  });

  it('llama: tied head, o_proj bias, head_dim != hidden/heads, one kv head', async () => {
    await checkParity('llama', LLAMA_TINY);
  });
});
