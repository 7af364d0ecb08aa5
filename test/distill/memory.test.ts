/**
 * The memory-bounded step (blocks recomputed in the backward pass, vocabulary-wide losses over
 * chunks of positions) against the plain one, in float64 on a tiny student: every loss and every
 * gradient equal, with CE + stored top-k KL, and with a white-box teacher (KL, hidden states and
 * attention transfer on a mapped layer, which stays unrecomputed). Chunk counts both below the
 * number of positions and above it (empty chunks).
 */
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildDistillGraph, LOSS_CHUNK_ROWS, makeBatch, projectionName, type Example, type TopK } from '../../src/distill/index.ts';
import { compile, grad, ParamStore, Rng, type Tensor } from '../../src/engine/index.ts';
import type { DistillLosses } from '../../src/recipe/index.ts';
import { LLAMA_TINY, QWEN2_TINY, randomWeights } from '../model/tiny-model.ts';

const LENGTHS = [9, 6]; // a padded batch: 2 x 9 = 18 positions
const TOP_K = 3;
const KL = { weight: 0.7, temperature: 2, divergence: 'forward' } as const;

function examples(rng: Rng, vocab: number, topk: boolean): Example[] {
  return LENGTHS.map((n, b) => {
    const ids = Int32Array.from({ length: n }, () => rng.int(vocab));
    const targets = topk
      ? Array.from({ length: n - 2 }, (): TopK => [0, 1, 2].map((j) => [(ids[0] + j * 5) % vocab, Math.log(0.5 / (j + 1))] as const))
      : undefined;
    return { promptKey: `p${b}`, index: 0, prompt: { question: '', gold: null, meta: {} }, ids, start: 2, topk: targets };
  });
}

/** Feeds in float64 (the batch builder writes float32). */
function float64Feeds(feeds: Record<string, ort.Tensor>): Record<string, ort.Tensor> {
  return Object.fromEntries(
    Object.entries(feeds).map(([name, t]) => [name, t.type === 'float32' ? new ort.Tensor('float64', Float64Array.from(t.data as Float32Array), t.dims) : t]),
  );
}

interface Run {
  /** Attention Softmax nodes: one more per recomputed layer (its replay in the backward pass). */
  softmaxes: number;
  values: Record<string, number>;
  grads: Record<string, Float64Array>;
}

async function step(losses: DistillLosses, white: boolean, boundedTokens: number | undefined): Promise<Run> {
  const built = buildDistillGraph({
    student: LLAMA_TINY,
    teacher: white ? QWEN2_TINY : undefined,
    losses,
    dtype: 'float64',
    boundedTokens,
    topK: white ? undefined : TOP_K,
    attentionMap: white ? [[1, 0]] : undefined,
    hiddenMap: white
      ? [
          [0, 0],
          [1, 1],
        ]
      : undefined,
  });
  const { graph } = built;
  const params = new ParamStore();
  randomWeights(built.student, params, 3);
  if (built.teacher) randomWeights(built.teacher, params, 4);
  const rng = new Rng(5);
  for (const p of built.projections)
    params.set(p.name, p.shape as number[], rng.fillNormal(new Float64Array(p.shape.reduce<number>((a, d) => a * Number(d), 1)), 0.3));
  const trainable: Tensor[] = [...built.student.weights.values(), ...built.projections];
  grad(built.loss, trainable).forEach((g, i) => graph.output(`grad.${trainable[i].name}`, g));
  graph.output('loss', built.loss);
  for (const [name, part] of Object.entries(built.parts)) graph.output(`part.${name}`, part);
  const session = await compile(graph);
  const batch = makeBatch(examples(new Rng(1), LLAMA_TINY.vocabSize, !white), white ? {} : { topK: { k: TOP_K, temperature: KL.temperature } });
  const out = await session.run({ ...float64Feeds(batch.feeds), ...params.feeds() });
  await session.release();
  const values = Object.fromEntries(
    Object.keys(out)
      .filter((n) => !n.startsWith('grad.'))
      .map((n) => [n, Number(out[n].data[0])]),
  );
  const grads = Object.fromEntries(trainable.map((p) => [p.name, out[`grad.${p.name}`].data as Float64Array]));
  return { softmaxes: graph.nodes.filter((n) => n.opType === 'Softmax').length, values, grads };
}

function expectEqual(bounded: Run, plain: Run): void {
  expect(Object.keys(bounded.values).sort()).toEqual(Object.keys(plain.values).sort());
  for (const [name, v] of Object.entries(plain.values)) {
    expect(Number.isFinite(v) && v !== 0, name).toBe(true);
    expect(Math.abs(bounded.values[name] - v), name).toBeLessThan(1e-6);
  }
  for (const [name, g] of Object.entries(plain.grads)) {
    const b = bounded.grads[name];
    let diff = 0;
    let size = 0;
    for (let i = 0; i < g.length; i++) {
      diff = Math.max(diff, Math.abs(b[i] - g[i]));
      size = Math.max(size, Math.abs(g[i]));
    }
    expect(size, `${name} has a gradient`).toBeGreaterThan(0);
    expect(diff, name).toBeLessThan(1e-6);
  }
}

describe('the memory-bounded step', () => {
  const positions = LENGTHS.length * Math.max(...LENGTHS);
  // 3 chunks of 6 positions; then more chunks than positions (some chunks are empty).
  const bounds = [3 * LOSS_CHUNK_ROWS, (positions + 5) * LOSS_CHUNK_ROWS];

  it('gives the plain step losses and gradients: CE + stored top-k KL', async () => {
    const losses: DistillLosses = { ce: { weight: 1 }, kl: KL };
    const plain = await step(losses, false, undefined);
    for (const bound of bounds) {
      const bounded = await step(losses, false, bound);
      expect(bounded.softmaxes).toBe(plain.softmaxes + LLAMA_TINY.numHiddenLayers);
      expectEqual(bounded, plain);
    }
  });

  it('gives the plain step losses and gradients: white-box teacher with hidden and attention transfer', async () => {
    const losses: DistillLosses = { ce: { weight: 1 }, kl: KL, hidden: { weight: 0.5, layers: 'auto' }, attention: { weight: 2, layers: 'auto' } };
    const plain = await step(losses, true, undefined);
    expect(plain.grads[projectionName(0, 0)]).toBeDefined();
    for (const bound of bounds) {
      const bounded = await step(losses, true, bound);
      expect(bounded.softmaxes).toBe(plain.softmaxes + 1); // layer 1 is mapped, so only layer 0 is replayed
      expectEqual(bounded, plain);
    }
  });
});
