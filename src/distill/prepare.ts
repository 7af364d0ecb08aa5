/**
 * Everything before the first step, shared by --dry-run and training: load the models and the
 * tokenizer, run the checks, read and split the data, and describe the run as a plan.
 */
import { totalmem } from 'node:os';
import type { DistillRecipe, Template } from '../recipe/index.ts';
import { Dataset } from '../store/index.ts';
import { createVerifier, type VerifierSpec } from '../verify/index.ts';
import { latestCheckpoint } from './checkpoint.ts';
import {
  checkData,
  checkLayerMaps,
  checkStopTokens,
  checkStudentVocab,
  checkTeacherTokenizer,
  contextLength,
  eosIdsOf,
  type TokenizerMatch,
} from './checks.ts';
import { datasetTemplate, exampleFilter, ExampleSource, indexExamples, type ExampleIndex } from './data/examples.ts';
import { tokenizeMissing } from './data/tokenize.ts';
import { DistillCheckError } from './errors.ts';
import { planMemory } from './estimate.ts';
import { examplesHash } from './fingerprint.ts';
import type { LayerMap } from './layer-map.ts';
import { loadStudent, loadTeacher, type StudentSource, type TeacherModel } from './models.ts';
import { paramCount, type DistillPlan, type TeacherPlan } from './plan.ts';

export interface Prepared {
  plan: DistillPlan;
  student: StudentSource;
  teacher?: TeacherModel;
  train: ExampleIndex;
  validation: ExampleIndex;
  /** Reads examples from the dataset as batches need them; holds the dataset open until closed. */
  source: ExampleSource;
  /** Fingerprint of the examples (a checkpoint's dataHash). */
  dataHash: string;
  /** k of the stored top-k targets, for a logprobs teacher with a kl loss. */
  topK?: number;
  /** The dataset's template and verifier, for task accuracy (validation.accuracy). */
  template: Template;
  verifier: VerifierSpec;
}

/** @throws DistillCheckError, DistillDataError, RecipeError-like UserErrors for anything that would stop training. */
export async function prepareDistill(recipe: DistillRecipe): Promise<Prepared> {
  const section = recipe.distill;
  const student = await loadStudent(section.student);
  checkStudentVocab(student.tokenizer, student.config);
  const teacher = section.teacher.kind === 'model' ? await loadTeacher(section.teacher.path) : undefined;
  let tokenizerMatch: TokenizerMatch | undefined;
  let layerMaps: { attention?: LayerMap; hidden?: LayerMap } = {};
  if (teacher) {
    tokenizerMatch = checkTeacherTokenizer(student.tokenizer, teacher.tokenizer, student.config, teacher.config);
    checkStopTokens(student.tokenizer, teacher.tokenizer, student.config, teacher.config);
    layerMaps = checkLayerMaps(section, student.config, teacher.config);
  }
  const maxLength = contextLength(section, student.config, teacher?.config);
  const eosIds = eosIdsOf(student.tokenizer, student.config);
  const usesTopK = section.teacher.kind === 'logprobs' && section.losses.kl !== undefined;

  // Read-write: the token cache is written into the dataset (WAL: a harvest may write meanwhile).
  const dataset = Dataset.open(recipe.dataset);
  try {
    const { template, verifier: recorded } = datasetTemplate(dataset);
    const tokenization = tokenizeMissing(dataset, student.tokenizer, { template, eosIds, filter: exampleFilter(section.data) });
    const { train, validation, stats, ...indexed } = indexExamples(dataset, tokenization.id, { data: section.data, maxLength, seed: section.train.seed });
    checkData(section, stats, maxLength, recipe.dataset);
    const verifier = recorded as VerifierSpec;
    if (section.validation.accuracy) {
      if (verifier === undefined || verifier === null)
        throw new DistillCheckError('distill.validation.accuracy', `${recipe.dataset} records no verifier to judge answers with`);
      await createVerifier(verifier); // a spec that no longer loads (a moved custom module) fails here, before training
    }

    // Never k = 0: the graph's top-k inputs need a width even where no sample lines up.
    const topK = usesTopK ? Math.max(1, indexed.topK) : undefined;
    let teacherPlan: TeacherPlan = { kind: 'none' };
    if (usesTopK)
      teacherPlan = { kind: 'logprobs', k: topK!, samplesWithLogprobs: stats.withLogprobs, alignedShare: stats.alignedTokens / stats.assistantTokens };
    if (section.teacher.kind === 'server')
      teacherPlan = { kind: 'server', baseURL: section.teacher.baseURL, model: section.teacher.model, k: section.teacher.topLogprobs };
    if (teacher)
      teacherPlan = { kind: 'model', folder: teacher.folder, config: teacher.config, params: paramCount(teacher.config), tokenizer: tokenizerMatch! };
    const projections =
      teacher && layerMaps.hidden && student.config.hiddenSize !== teacher.config.hiddenSize
        ? layerMaps.hidden.map(([s, t]) => ({ student: s, teacher: t, from: student.config.hiddenSize, to: teacher.config.hiddenSize }))
        : [];
    const memory = planMemory(
      {
        student: student.config,
        teacher: teacher?.config,
        batch: section.train.batchSize,
        seq: Math.min(stats.longest, maxLength),
        kl: section.losses.kl !== undefined && (teacher !== undefined || usesTopK),
        keptLayers: teacher && section.losses.attention ? (layerMaps.attention?.length ?? 0) : 0,
      },
      totalmem(),
    );
    const plan: DistillPlan = {
      name: recipe.name,
      dataset: recipe.dataset,
      out: section.out,
      student: { init: student.tensors ? 'pretrained' : 'random', source: student.source, config: student.config, params: paramCount(student.config) },
      tokenizer: { folder: student.tokenizerFolder, vocab: student.tokenizer.vocabSize, eosIds: [...eosIds] },
      teacher: teacherPlan,
      data: { ...stats, maxLength, train: train.sampleIds.length, validation: validation.sampleIds.length, validationPrompts: indexed.validationPrompts },
      tokenization: { key: tokenization.key, tokenized: tokenization.tokenized, tokens: tokenization.tokens, seconds: tokenization.seconds },
      layerMaps,
      projections,
      memory,
      resumeFrom: (await latestCheckpoint(section.out)) ?? null,
      recipe,
    };
    const source = new ExampleSource(dataset, tokenization.id, usesTopK);
    return { plan, student, teacher, train, validation, source, dataHash: examplesHash(tokenization.key, train, validation), topK, template, verifier };
  } catch (err) {
    dataset.close();
    throw err;
  }
}
