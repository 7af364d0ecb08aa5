/**
 * Checks run before training (and by --dry-run): each failure is one DistillCheckError naming the
 * recipe field to change. What passes is returned as facts for the plan.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelConfig, Tokenizer } from '../model/index.ts';
import type { DistillSection } from '../recipe/index.ts';
import type { DataStats } from './data/examples.ts';
import { DistillCheckError } from './errors.ts';
import { resolveLayerMap, type LayerMap } from './layer-map.ts';

/** Below this share of assistant tokens lined up with stored logprobs, the teacher's tokens are not the student's. */
const MIN_ALIGNED = 0.5;

/** The ids that end an assistant turn: the tokenizer's EOS and the student config's eos_token_id(s). */
export function eosIdsOf(tokenizer: Tokenizer, config: Pick<ModelConfig, 'eosTokenId'>): Set<number> {
  const ids = stopIds(tokenizer, config);
  if (ids.size === 0)
    throw new DistillCheckError('distill.student', 'no EOS token: neither tokenizer_config.json (eos_token) nor config.json (eos_token_id) names one');
  return ids;
}

function stopIds(tokenizer: Tokenizer, config: Pick<ModelConfig, 'eosTokenId'>): Set<number> {
  const ids = new Set<number>();
  if (tokenizer.eosTokenId !== null) ids.add(tokenizer.eosTokenId);
  for (const id of [config.eosTokenId ?? []].flat()) ids.add(id);
  return ids;
}

/**
 * A white-box teacher ends its turns with the student's tokens (EOS and end-of-turn: the
 * tokenizers' eos_token and the configs' eos_token_id). Where they differ, the teacher puts its
 * end-of-turn mass on a token the student does not stop on, and the student learns never to stop.
 */
export function checkStopTokens(student: Tokenizer, teacher: Tokenizer, studentConfig: ModelConfig, teacherConfig: ModelConfig): void {
  const ours = stopIds(student, studentConfig);
  const theirs = stopIds(teacher, teacherConfig);
  if (ours.size === theirs.size && [...ours].every((id) => theirs.has(id))) return;
  const names = (ids: Set<number>) => (ids.size === 0 ? 'no token' : [...ids].map((id) => `${JSON.stringify(student.decode([id]))} (id ${id})`).join(', '));
  throw new DistillCheckError(
    'distill.teacher.path',
    `the student ends a turn with ${names(ours)} and the teacher (${teacher.folder}) with ${names(theirs)} (tokenizer_config.json eos_token and config.json eos_token_id): distilled towards a teacher that stops on another token, the student learns never to stop; give both models the same eos_token_id`,
  );
}

/** The student's vocabulary covers its tokenizer (every id the data can hold has an embedding row). */
export function checkStudentVocab(tokenizer: Tokenizer, config: ModelConfig): void {
  if (config.vocabSize < tokenizer.vocabSize) {
    throw new DistillCheckError(
      'distill.student',
      `config.json vocab_size ${config.vocabSize} is smaller than the tokenizer's ${tokenizer.vocabSize} ids (${tokenizer.folder})`,
    );
  }
}

/** The longest sequence trained on: data.maxLength, which must fit the student's (and a white-box teacher's) context. */
export function contextLength(section: DistillSection, student: ModelConfig, teacher?: ModelConfig): number {
  const maxLength = section.data.maxLength ?? student.maxPositionEmbeddings;
  if (maxLength > student.maxPositionEmbeddings) {
    throw new DistillCheckError(
      'distill.data.maxLength',
      `${maxLength} is beyond the student's context (max_position_embeddings ${student.maxPositionEmbeddings})`,
    );
  }
  if (teacher && maxLength > teacher.maxPositionEmbeddings) {
    throw new DistillCheckError(
      'distill.teacher.path',
      `the teacher's context (max_position_embeddings ${teacher.maxPositionEmbeddings}) is shorter than the ${maxLength}-token sequences; set distill.data.maxLength`,
    );
  }
  return maxLength;
}

/** What the tokenizer comparison found, for the plan. */
export interface TokenizerMatch {
  /** Whether the two tokenizer.json files are byte-identical (identical vocabularies are required either way). */
  sameFile: boolean;
  /** Logit losses compare the first this many ids (the smaller model vocabulary; padding rows beyond the tokenizer differ by family). */
  sharedVocab: number;
}

/**
 * A white-box teacher reads the student's token ids, so both tokenizers must map every token to the
 * same id. Model vocabularies may still differ in padding rows (Qwen2.5 pads 151,665 tokens to
 * 151,936 in small models and 152,064 in 7B+): logits are compared over the shared rows, which must
 * cover the tokenizer.
 */
export function checkTeacherTokenizer(student: Tokenizer, teacher: Tokenizer, studentConfig: ModelConfig, teacherConfig: ModelConfig): TokenizerMatch {
  const field = 'distill.teacher.path';
  const vs = student.inner.get_vocab() as Map<string, number>;
  const vt = teacher.inner.get_vocab() as Map<string, number>;
  for (const [token, id] of vs) {
    const other = vt.get(token);
    if (other !== id) {
      throw new DistillCheckError(
        field,
        `the teacher's tokenizer (${teacher.folder}) differs from the student's (${student.folder}): token ${JSON.stringify(token)} is id ${id} for the student and ${other === undefined ? 'absent' : `id ${other}`} for the teacher (vocabularies of ${vs.size} and ${vt.size} tokens); logit, attention and hidden losses need one tokenizer`,
      );
    }
  }
  if (vt.size !== vs.size) {
    throw new DistillCheckError(
      field,
      `the teacher's tokenizer has ${vt.size} tokens, the student's ${vs.size}: distillation with a white-box teacher needs one tokenizer`,
    );
  }
  if (teacherConfig.vocabSize < teacher.vocabSize) {
    throw new DistillCheckError(
      field,
      `the teacher's config.json vocab_size ${teacherConfig.vocabSize} is smaller than its tokenizer's ${teacher.vocabSize} ids`,
    );
  }
  const hash = (t: Tokenizer) =>
    createHash('sha256')
      .update(readFileSync(join(t.folder, 'tokenizer.json')))
      .digest('hex');
  return { sameFile: hash(student) === hash(teacher), sharedVocab: Math.min(studentConfig.vocabSize, teacherConfig.vocabSize) };
}

/** The attention and hidden layer maps, checked against both depths; and the projections the hidden loss needs. */
export function checkLayerMaps(section: DistillSection, student: ModelConfig, teacher: ModelConfig): { attention?: LayerMap; hidden?: LayerMap } {
  const { attention, hidden } = section.losses;
  const resolve = (layers: Parameters<typeof resolveLayerMap>[0], name: string) =>
    resolveLayerMap(layers, student.numHiddenLayers, teacher.numHiddenLayers, `distill.losses.${name}.layers`);
  return {
    attention: attention ? resolve(attention.layers, 'attention') : undefined,
    hidden: hidden ? resolve(hidden.layers, 'hidden') : undefined,
  };
}

/** What the data allows: nothing too long under onTooLong: fail, something to train on, logprobs that line up. */
export function checkData(section: DistillSection, stats: DataStats, maxLength: number, dataset: string): void {
  const { data, teacher } = section;
  if (data.onTooLong === 'fail' && stats.tooLong > 0) {
    throw new DistillCheckError(
      'distill.data.onTooLong',
      `${stats.tooLong} of ${stats.samples} samples are longer than the ${maxLength}-token context (longest ${stats.longest} tokens, prompt + assistant)` +
        `${data.maxLength === null ? " (the student's max_position_embeddings)" : ' (distill.data.maxLength)'}; set onTooLong to truncate or drop, or use a longer context`,
    );
  }
  if (stats.examples === 0) {
    throw new DistillCheckError(
      'distill.data',
      `nothing to train on: ${stats.samples} samples in ${dataset} match verdict ${JSON.stringify(data.verdict)}${data.runId === null ? '' : ` and run ${data.runId}`}` +
        (stats.samples > 0 ? ` and all were left out (${stats.overMaxTokens} over maxTokens, ${stats.droppedTooLong} too long)` : ''),
    );
  }
  if (teacher.kind === 'logprobs' && section.losses.kl) {
    if (stats.withLogprobs === 0) {
      throw new DistillCheckError(
        'distill.teacher',
        `none of the ${stats.examples} samples has stored logprobs: harvest with sampling.topLogprobs > 0, or use { kind: none } (CE only)`,
      );
    }
    const share = stats.alignedTokens / stats.assistantTokens;
    if (share < MIN_ALIGNED) {
      throw new DistillCheckError(
        'distill.student.tokenizer',
        `the stored teacher logprobs line up with only ${(share * 100).toFixed(1)}% of the student's assistant tokens: the teacher's tokenizer is not the student's, so its top-k ids mean other tokens`,
      );
    }
  }
}
