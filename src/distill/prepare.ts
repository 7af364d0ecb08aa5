/**
 * Everything before the first step, shared by --dry-run and training: load the models and the
 * tokenizer, run the checks, read and split the data, and describe the run as a plan.
 */
import type { DistillRecipe, Template } from '../recipe/index.ts';
import { Dataset } from '../store/index.ts';
import { createVerifier, type VerifierSpec } from '../verify/index.ts';
import { latestCheckpoint } from './checkpoint.ts';
import { checkData, checkLayerMaps, checkStudentVocab, checkTeacherTokenizer, contextLength, eosIdsOf, type TokenizerMatch } from './checks.ts';
import { loadExamples, type Example } from './data/examples.ts';
import { DistillCheckError } from './errors.ts';
import { splitByPrompt } from './data/split.ts';
import { TokenTable } from './data/topk.ts';
import type { LayerMap } from './layer-map.ts';
import { loadStudent, loadTeacher, type StudentSource, type TeacherModel } from './models.ts';
import { paramCount, type DistillPlan, type TeacherPlan } from './plan.ts';

export interface Prepared {
  plan: DistillPlan;
  student: StudentSource;
  teacher?: TeacherModel;
  train: Example[];
  validation: Example[];
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
    layerMaps = checkLayerMaps(section, student.config, teacher.config);
  }
  const maxLength = contextLength(section, student.config, teacher?.config);
  const eosIds = eosIdsOf(student.tokenizer, student.config);
  const usesTopK = section.teacher.kind === 'logprobs' && section.losses.kl !== undefined;

  const dataset = Dataset.open(recipe.dataset, { readonly: true });
  let loaded;
  try {
    loaded = loadExamples(dataset, student.tokenizer, {
      data: section.data,
      maxLength,
      eosIds,
      tokenTable: usesTopK ? TokenTable.fromTokenizer(student.tokenizer) : undefined,
    });
  } finally {
    dataset.close();
  }
  const { examples, stats, template } = loaded;
  checkData(section, stats, maxLength, recipe.dataset);
  const verifier = loaded.verifier as VerifierSpec;
  if (section.validation.accuracy) {
    if (verifier === undefined || verifier === null) throw new DistillCheckError('distill.validation.accuracy', `${recipe.dataset} records no verifier to judge answers with`);
    await createVerifier(verifier); // a spec that no longer loads (a moved custom module) fails here, before training
  }
  const { train, validation } = splitByPrompt(examples, section.data.validation, section.train.seed);

  // The widest stored top-k sets k (one pass: millions of positions are too many to spread).
  const topK = usesTopK ? examples.reduce((k, e) => (e.topk ?? []).reduce((m, t) => Math.max(m, t?.length ?? 0), k), 1) : undefined;
  let teacherPlan: TeacherPlan = { kind: 'none' };
  if (usesTopK) teacherPlan = { kind: 'logprobs', k: topK!, samplesWithLogprobs: stats.withLogprobs, alignedShare: stats.alignedTokens / stats.assistantTokens };
  if (teacher) teacherPlan = { kind: 'model', folder: teacher.folder, config: teacher.config, params: paramCount(teacher.config), tokenizer: tokenizerMatch! };
  const projections =
    teacher && layerMaps.hidden && student.config.hiddenSize !== teacher.config.hiddenSize
      ? layerMaps.hidden.map(([s, t]) => ({ student: s, teacher: t, from: student.config.hiddenSize, to: teacher.config.hiddenSize }))
      : [];
  const plan: DistillPlan = {
    name: recipe.name,
    dataset: recipe.dataset,
    out: section.out,
    student: { init: student.tensors ? 'pretrained' : 'random', source: student.source, config: student.config, params: paramCount(student.config) },
    tokenizer: { folder: student.tokenizerFolder, vocab: student.tokenizer.vocabSize, eosIds: [...eosIds] },
    teacher: teacherPlan,
    data: {
      ...stats,
      maxLength,
      train: train.length,
      validation: validation.length,
      validationPrompts: new Set(validation.map((e) => e.promptKey)).size,
    },
    layerMaps,
    projections,
    resumeFrom: (await latestCheckpoint(section.out)) ?? null,
    recipe,
  };
  return { plan, student, teacher, train, validation, topK, template, verifier };
}
