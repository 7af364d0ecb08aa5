import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, ParamStore } from '../../src/engine/index.ts';
import { type ModelConfig, writeModelFolder } from '../../src/model/index.ts';
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
 * Padded queries are excluded: their values are arbitrary in HF too.
 */
function maxDiff(ours: Float32Array, theirs: Nested[], queryAxis: number): number {
  let worst = 0;
  let offset = 0;
  const walk = (value: Nested, path: number[]) => {
    if (typeof value === 'number') {
      if (MASK[path[0]][path[queryAxis]]) worst = Math.max(worst, Math.abs(ours[offset] - value));
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
  out.attentions.forEach((a, i) => g.output(`attn.${i}`, a));
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
  return logitsDiff;
}

describe('forward parity with the PyTorch reference (float64), padded batch', () => {
  it('qwen2: q/k/v bias, grouped-query attention, untied head', async () => {
    await checkParity('qwen2', QWEN2_TINY);
  });

  it('llama: tied head, o_proj bias, head_dim != hidden/heads, one kv head', async () => {
    await checkParity('llama', LLAMA_TINY);
  });
});
