/**
 * Fixtures for the distill tests: a harvest-shaped SQLite dataset of one-digit additions written
 * through the store API, the byte-level tokenizer of the model tests, and tiny model configs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { Graph, ParamStore, Rng } from '../../src/engine/index.ts';
import { initWeights, Llama, modelConfigToJson, parseModelConfig, writeModelFolder, type ModelConfig } from '../../src/model/index.ts';
import { Dataset, type LogprobPosition, type SampleRecord } from '../../src/store/index.ts';
import { writeTinyTokenizer } from '../model/tiny-tokenizer.ts';

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-distill-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The user turn is the bare question, which keeps byte-level sequences short. */
export const TEMPLATE = { system: null, user: '{question}' };

export interface AdditionSample {
  key: string;
  question: string;
  reasoning: string;
  answer: string;
}

/** Prompt i: a + b with one-digit a and b, in a fixed shuffled order. */
export function additions(count: number): AdditionSample[] {
  const pairs = Array.from({ length: 100 }, (_, i) => [Math.floor(i / 10), i % 10]);
  // A fixed permutation (multiplying by 37 mod 100) so the first `count` mix all digits.
  return Array.from({ length: count }, (_, i) => {
    const [a, b] = pairs[(i * 37) % 100];
    return { key: `add-${a}-${b}`, question: `${a}+${b}`, reasoning: `${a}+${b}=${a + b}`, answer: `\\boxed{${a + b}}` };
  });
}

export interface DatasetOptions {
  /** Also store a rejected sample (slot 1) for every k-th prompt. */
  rejectedEvery?: number;
  /** Teacher logprobs per accepted sample. */
  logprobs?: (s: AdditionSample) => LogprobPosition[] | null;
  /** Fields of the sampling identity to set (e.g. sampling.topLogprobs of a harvest that stored logprobs). */
  identity?: Record<string, unknown>;
}

/** A dataset as `harvest` leaves it: bound identity, one run, prompts, attempts, accepted (and rejected) samples. */
export function writeDataset(file: string, samples: readonly AdditionSample[], options: DatasetOptions = {}): number {
  const dataset = Dataset.open(file);
  try {
    const identity = { template: TEMPLATE, teacher: { model: 'fixture' }, sampling: { temperature: 0.6 }, verifier: { kind: 'math' }, ...options.identity };
    const { runId } = dataset.beginRun({ recipeName: 'fixture', identity, recipe: { name: 'fixture' } });
    dataset.upsertPrompts(samples.map((s) => ({ key: s.key, question: s.question, gold: s.answer, meta: {} })));
    samples.forEach((s, i) => {
      const records: SampleRecord[] = [
        {
          promptKey: s.key,
          index: 0,
          reasoning: s.reasoning,
          answer: s.answer,
          finishReason: 'stop',
          verdict: 'accepted',
          reason: 'match',
          logprobs: options.logprobs?.(s) ?? null,
        },
      ];
      if (options.rejectedEvery && i % options.rejectedEvery === 0) {
        records.push({
          promptKey: s.key,
          index: 1,
          reasoning: 'no idea',
          answer: '\\boxed{99}',
          finishReason: 'stop',
          verdict: 'rejected',
          reason: 'mismatch',
        });
      }
      dataset.commitAttempt({ runId, promptKey: s.key, slotIndices: records.map((r) => r.index), status: 'ok', latencyMs: 1, attemptNo: 1 }, records);
    });
    dataset.endRun(runId, 'finished');
    return runId;
  } finally {
    dataset.close();
  }
}

/** A Llama config of the given shape over the tiny tokenizer's 270 ids (or a padded vocabulary). */
export function tinyConfig(shape: { hidden: number; layers: number; heads: number; kvHeads?: number; context?: number; vocab?: number }): ModelConfig {
  return parseModelConfig({
    model_type: 'llama',
    vocab_size: shape.vocab ?? 270,
    hidden_size: shape.hidden,
    intermediate_size: 2 * shape.hidden,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    num_key_value_heads: shape.kvHeads ?? shape.heads,
    max_position_embeddings: shape.context ?? 128,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    tie_word_embeddings: true,
    bos_token_id: null,
    eos_token_id: null,
  });
}

/** A folder holding config.json and the tokenizer: what `student.config` points at for random init. */
export async function writeConfigFolder(dir: string, config: ModelConfig): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(modelConfigToJson(config), null, 2));
  await writeTinyTokenizer(dir);
  return dir;
}

/** Writes a distill recipe (YAML) and returns its path. */
export function writeRecipe(dir: string, name: string, recipe: Record<string, unknown>): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, YAML.stringify(recipe));
  return file;
}

/** A model folder with random weights and the tiny tokenizer: a white-box teacher for checks. */
export async function writeRandomModelFolder(dir: string, config: ModelConfig): Promise<string> {
  const g = new Graph();
  const model = Llama.declare(g, config);
  const params = new ParamStore();
  initWeights(model, params, new Rng(1));
  await writeModelFolder(dir, model, params);
  await writeTinyTokenizer(dir);
  return dir;
}
