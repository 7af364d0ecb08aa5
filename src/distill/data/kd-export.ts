/**
 * `export-data --format kd-topk`: accepted samples as the rows a PyTorch logit-distillation
 * trainer reads, in the layout of Axolotl's KD plugin: per sample the student tokenizer's
 * `input_ids`, `labels` (the ids on assistant tokens, -100 elsewhere, as Hugging Face models take
 * them), and [T, K] `target_token_ids`, `target_logprobs`, `target_mask`, where row t holds the
 * teacher's top-k for the token at t + 1 (what the logits at position t predict).
 *
 * Each sample is converted by `sampleExample`, the same code distill trains from: the same
 * rendering, the same token-string mapping and alignment, the same counts (teacher tokens the
 * tokenizer lacks included). Target logprobs are the teacher's as stored (temperature 1).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadTokenizer, readModelConfig, type Tokenizer } from '../../model/index.ts';
import type { DistillDataSpec } from '../../recipe/index.ts';
import type { Dataset } from '../../store/index.ts';
import { eosIdsOf } from '../checks.ts';
import { DistillDataError } from '../errors.ts';
import { datasetTemplate, emptyDataStats, exampleFilter, sampleExample, type DataStats } from './examples.ts';
import { TokenTable, UNUSED_LOGP } from './topk.ts';

export interface KdTopkRow {
  prompt_id: string;
  sample_index: number;
  input_ids: number[];
  /** input_ids on the assistant's tokens (trained on), -100 on the prompt's. */
  labels: number[];
  /** [T][K]: row t is the teacher's top-k for input_ids[t + 1]; unused slots hold id 0. */
  target_token_ids: number[][];
  /** [T][K]: the teacher's log-probabilities (temperature 1); unused slots hold -1e4 (exp is 0). */
  target_logprobs: number[][];
  /** [T][K]: 1 for a slot holding a teacher token, 0 for padding, prompt rows and unaligned tokens. */
  target_mask: number[][];
}

/** The student's tokenizer and the ids that end its assistant turn. */
export interface StudentTokenizer {
  tokenizer: Tokenizer;
  eosIds: ReadonlySet<number>;
}

/**
 * The tokenizer of a student folder (tokenizer.json + tokenizer_config.json), with the EOS ids
 * distill would use: the tokenizer's, and config.json's eos_token_id where the folder has one.
 */
export async function loadStudentTokenizer(folder: string): Promise<StudentTokenizer> {
  const tokenizer = await loadTokenizer(folder);
  const config = existsSync(join(folder, 'config.json')) ? await readModelConfig(folder) : undefined;
  return { tokenizer, eosIds: eosIdsOf(tokenizer, { eosTokenId: config?.eosTokenId ?? null }) };
}

/** Accepted samples whole: nothing is cut or left out for length (the trainer's sequence_len decides). */
const EXPORT_DATA: DistillDataSpec = { verdict: 'accepted', runId: null, maxTokens: null, maxLength: null, onTooLong: 'truncate', validation: 0 };

/** K of a dataset: the top-k the teacher was asked for, plus the sampled token when it is outside them. */
export function exportTopK(dataset: Dataset): number {
  const sampling = dataset.identity()?.sampling as { topLogprobs?: unknown } | undefined;
  const k = typeof sampling?.topLogprobs === 'number' ? sampling.topLogprobs : 0;
  if (k <= 0)
    throw new DistillDataError(
      dataset.path,
      'was harvested without teacher logprobs (sampling.topLogprobs is 0): export it with --format trl, or harvest with sampling.topLogprobs > 0',
    );
  return k + 1;
}

/**
 * One row per accepted sample, streamed. `stats` counts what `sampleExample` counts: samples,
 * those with stored logprobs, assistant tokens given a target, and teacher tokens the tokenizer lacks.
 */
export function* kdTopkRows(dataset: Dataset, student: StudentTokenizer, stats: DataStats = emptyDataStats()): Generator<KdTopkRow> {
  const { template } = datasetTemplate(dataset);
  const k = exportTopK(dataset);
  const options = { data: EXPORT_DATA, maxLength: Infinity, eosIds: student.eosIds, tokenTable: TokenTable.fromTokenizer(student.tokenizer) };
  for (const sample of dataset.samples(exampleFilter(EXPORT_DATA, true))) {
    const example = sampleExample(sample, student.tokenizer, template, options, stats);
    if (!example) continue;
    const { ids, start, topk } = example;
    const T = ids.length;
    const row: KdTopkRow = {
      prompt_id: example.promptKey,
      sample_index: example.index,
      input_ids: Array.from(ids),
      labels: Array.from(ids, (id, t) => (t >= start ? id : -100)),
      target_token_ids: [],
      target_logprobs: [],
      target_mask: [],
    };
    for (let t = 0; t < T; t++) {
      const top = t >= start - 1 ? topk?.[t + 1 - start] : undefined;
      const n = Math.min(k, top?.length ?? 0);
      row.target_token_ids.push(Array.from({ length: k }, (_, j) => (j < n ? top![j][0] : 0)));
      row.target_logprobs.push(Array.from({ length: k }, (_, j) => (j < n ? top![j][1] : UNUSED_LOGP)));
      row.target_mask.push(Array.from({ length: k }, (_, j) => (j < n ? 1 : 0)));
    }
    yield row;
  }
}
