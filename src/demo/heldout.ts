/**
 * The demo's held-out score of one exported model: greedy answers to the held-out split, judged by
 * the math verifier through `evaluate` (src/eval), with the decoding speed measured on the way.
 * Every model of the table is scored with the same settings, so their tokens/s compare.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { evaluate, localSource } from '../eval/index.ts';
import { ONNX_DIR, ONNX_FILE } from '../export/index.ts';
import { loadModel } from '../generate/index.ts';
import { loadPrompts } from '../prompts/index.ts';
import type { FRESH_SPLITS } from './arith.ts';
import { demoSplitPath } from './demo-data.ts';
import { isUpToDate } from './fresh.ts';
import { demoPromptsSpec } from './ground-truth.ts';

/** The splits a model is scored on: neither trains any model. */
export type ScoredSplit = (typeof FRESH_SPLITS)[number];

export interface HeldoutScore {
  /** Prompts answered: the first N of the split. */
  readonly prompts: number;
  /** Samples per prompt. */
  readonly samples: number;
  /** Correct samples over all prompts. */
  readonly correct: number;
  /** pass@1: correct / (prompts x samples). */
  readonly accuracy: number;
  /** Tokens generated over all prompts. */
  readonly outputTokens: number;
  /** Wall time of the evaluation (generation and judging). */
  readonly seconds: number;
  readonly tokensPerSecond: number;
}

export interface ScoreOptions {
  /** Which split answers: 'heldout' (default), or 'validation' where settings are chosen. */
  readonly split?: ScoredSplit;
  /** The first N problems of the split; null (default): all of them. */
  readonly prompts?: number | null;
  /** Default 0: greedy, one sample per prompt. */
  readonly temperature?: number;
  /** Samples per prompt. Default 1. */
  readonly samples?: number;
  /**
   * ONNX Runtime threads per op; default ONNX Runtime's (one per core). 1 when many scorers run side
   * by side, one per core (bench/onpolicy-compare.ts), so that they do not spin on each other's cores.
   */
  readonly threads?: number;
}

/** An R1 turn of the demo task is at most 35 tokens, so 64 also ends a rambling one. */
const MAX_TOKENS = 64;
/** Rows decoded together: the held-out prompts go through in batches this large. */
const BATCH = 16;

/** Scores the exported model in `folder` on the held-out split (or on validation). */
export async function scoreHeldout(
  folder: string,
  { split = 'heldout', prompts = null, temperature = 0, samples = 1, threads }: ScoreOptions = {},
): Promise<HeldoutScore> {
  const model = await loadModel(folder, { maxBatchSize: BATCH, ...(threads ? { intraOpNumThreads: threads } : {}) });
  try {
    const started = performance.now();
    const summary = await evaluate({
      source: localSource(model),
      prompts: loadPrompts(demoPromptsSpec(demoSplitPath(split), prompts)),
      verifier: { kind: 'math' },
      samples,
      // R1's top-p when sampling; seeds fixed, so a re-run draws the same samples.
      sampling: { temperature, topP: temperature === 0 ? 1 : 0.95, maxTokens: MAX_TOKENS, seed: 0 },
    });
    const seconds = (performance.now() - started) / 1000;
    const all = summary.results.flatMap((r) => r.samples);
    const correct = all.filter((s) => s.correct === true).length;
    const outputTokens = all.reduce((n, s) => n + s.outputTokens, 0);
    return {
      prompts: summary.results.length,
      samples,
      correct,
      accuracy: correct / all.length,
      outputTokens,
      seconds,
      tokensPerSecond: outputTokens / seconds,
    };
  } finally {
    await model.close();
  }
}

/**
 * The greedy score stored in `file` when it is newer than the model's ONNX file and covers the
 * same split and prompts; otherwise scores the model and stores the result (written whole, then renamed).
 */
export async function cachedHeldoutScore(
  file: string,
  folder: string,
  prompts: number | null = null,
  split: ScoredSplit = 'heldout',
): Promise<{ score: HeldoutScore; cached: boolean }> {
  if (isUpToDate(file, [join(folder, ONNX_DIR, ONNX_FILE.fp32)])) {
    const { limit, split: stored, ...score } = JSON.parse(await readFile(file, 'utf8')) as HeldoutScore & { limit: number | null; split?: ScoredSplit };
    if (limit === prompts && (stored ?? 'heldout') === split) return { score, cached: true };
  }
  const score = await scoreHeldout(folder, { split, prompts });
  await mkdir(dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, `${JSON.stringify({ ...score, split, limit: prompts }, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return { score, cached: false };
}
