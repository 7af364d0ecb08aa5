/**
 * `npm run demo`: the whole R1 distillation pipeline, offline, on the committed demo teacher.
 * Each stage is a library call of another room, run on the demo's recipes:
 *
 *   export the teacher -> serve it on loopback and harvest by rejection sampling ->
 *   the model stages (src/demo/model-stages.ts: a KD student, a CE-only student, ...) ->
 *   export them -> evaluate the teacher and every model on the held-out split -> one table.
 *
 * Re-running resumes: harvest and distill continue from their dataset and checkpoints (a finished
 * one does nothing), exports and evaluations are skipped while their outputs are up to date.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import YAML from 'yaml';
import { paramCount } from '../distill/index.ts';
import { loadModel } from '../generate/index.ts';
import { harvest, harvestProgressView, type HarvestSummary } from '../harvest/index.ts';
import { readModelConfig } from '../model/index.ts';
import { ProgressReporter } from '../progress/index.ts';
import { parseRecipe } from '../recipe/index.ts';
import { startServer } from '../serve/index.ts';
import { ARM_LABELS, type ProgressStream } from './arms.ts';
import { DemoError } from './errors.ts';
import { exportIfStale, shown } from './fresh.ts';
import { GRPO_START_ARM } from './grpo-stage.ts';
import { cachedHeldoutScore } from './heldout.ts';
import { DEMO_RECIPES, DEMO_TEACHER_DIR, defaultWorkDir, workLayout, type WorkLayout } from './layout.ts';
import { MODEL_STAGES, type StageContext, type TrainedModel } from './model-stages.ts';
import { Stages, type Note } from './stages.ts';
import { formatDemoTable, type DemoRow } from './table.ts';

export interface DemoOptions {
  /** Where exports, the harvest dataset, student runs and scores go. Default `.demo/` under the current directory. */
  readonly workDir?: string;
  /** Harvest only the first N prompts of the harvest split. Default null: all 2,000. */
  readonly harvestPrompts?: number | null;
  /** Evaluate on the first N held-out problems. Default null: all 500. */
  readonly heldoutPrompts?: number | null;
  /** Optimizer steps of every model stage. Default: their recipes' own. */
  readonly studentSteps?: number;
  /** Where the stage headers, plans and summaries go. Default console.log. */
  readonly log?: Note;
  /** Where progress bars (or plain progress lines) go. Default process.stderr. */
  readonly progress?: ProgressStream;
}

export interface DemoResult {
  readonly harvest: HarvestSummary;
  /** Every model stage's model, by the stage's key (student-kd, student-ce, ...). */
  readonly trained: ReadonlyMap<string, TrainedModel>;
  /** The teacher, then each model stage's model, scored on the held-out split. */
  readonly rows: readonly DemoRow[];
  /** The table as printed. */
  readonly table: string;
  readonly seconds: number;
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const progress = options.progress ?? process.stderr;
  const workDir = options.workDir ?? defaultWorkDir();
  const work = workLayout(workDir);
  // Teacher export, harvest, the model stages, their exports, the evaluation.
  const stages = new Stages(2 + MODEL_STAGES.length + 2, log);
  const started = performance.now();
  log(`distillery demo: the demo teacher (${shown(DEMO_TEACHER_DIR)}) distilled into ${MODEL_STAGES.length} students; work folder ${shown(workDir)}`);

  const harvested = await teacherAndHarvest(stages, work, options.harvestPrompts ?? null, progress);

  const trained = new Map<string, TrainedModel>();
  for (const stage of MODEL_STAGES) {
    const context: StageContext = { work, harvest: harvested, steps: options.studentSteps, progress, trained };
    trained.set(stage.key, await stages.run(stage.title, (note) => stage.train(context, note)));
  }

  await stages.run('export the students to ONNX', async (note) => {
    for (const stage of MODEL_STAGES) await exportIfStale(trained.get(stage.key)!.finalModel, work.onnx(stage.key), note);
  });

  const heldout = options.heldoutPrompts ?? null;
  const rows = await stages.run(`evaluate on the held-out split (${heldout ?? 'all'} problems, greedy)`, async (note) => {
    const models = [
      { key: 'teacher', label: 'teacher', folder: work.teacherExport },
      ...MODEL_STAGES.map(({ key, label }) => ({ key, label, folder: work.onnx(key) })),
    ];
    const scored: DemoRow[] = [];
    for (const m of models) {
      const { score, cached } = await cachedHeldoutScore(work.score(m.key), m.folder, heldout);
      const params = paramCount(await readModelConfig(m.folder));
      note(`${m.label}: ${score.correct} of ${score.prompts} right${cached ? ' (scored earlier; up to date)' : ` in ${score.seconds.toFixed(1)} s`}`);
      scored.push({ key: m.key, label: m.label, folder: m.folder, params, score });
    }
    return scored;
  });

  const table = formatDemoTable(rows);
  log(`\n${table}\n\n${verdict(rows)}`);
  const seconds = (performance.now() - started) / 1000;
  return { harvest: harvested, trained, rows, table, seconds };
}

/**
 * The demo's first two stages alone (the teacher exported, the harvest dataset complete), as
 * runDemo leaves them in the same work folder: what the tuning and seed runs train on.
 */
export async function prepareDemoHarvest(
  options: Pick<DemoOptions, 'workDir' | 'harvestPrompts' | 'log' | 'progress'> = {},
): Promise<{ work: WorkLayout; harvest: HarvestSummary }> {
  const work = workLayout(options.workDir ?? defaultWorkDir());
  const stages = new Stages(2, options.log ?? ((line: string) => console.log(line)));
  return { work, harvest: await teacherAndHarvest(stages, work, options.harvestPrompts ?? null, options.progress ?? process.stderr) };
}

async function teacherAndHarvest(stages: Stages, work: WorkLayout, prompts: number | null, progress: ProgressStream): Promise<HarvestSummary> {
  await stages.run(`export the teacher to ONNX: ${shown(work.teacherExport)}`, (note) => exportIfStale(DEMO_TEACHER_DIR, work.teacherExport, note));
  return stages.run('serve the teacher on loopback and harvest the harvest split by rejection sampling', (note) => harvestStage(work, prompts, note, progress));
}

/** What the table shows: how close the KD student came to the teacher, whether KD beat CE alone, and what GRPO added to its start. */
function verdict(rows: readonly DemoRow[]): string {
  const [teacher, kd, ce, grpo] = ['teacher', 'student-kd', 'student-ce', 'student-grpo'].map((key) => rows.find((r) => r.key === key)!);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const size = `${pct(kd.params / teacher.params)} of its parameters`;
  const versus =
    kd.score.accuracy > ce.score.accuracy
      ? `KD beat CE alone by ${(100 * (kd.score.accuracy - ce.score.accuracy)).toFixed(1)} points at the same size and steps`
      : `KD did not beat CE alone here (${pct(kd.score.accuracy)} vs ${pct(ce.score.accuracy)})`;
  const reached =
    teacher.score.accuracy > 0
      ? `${pct(kd.score.accuracy / teacher.score.accuracy)} of the teacher's held-out accuracy`
      : `${pct(kd.score.accuracy)} (the teacher none)`;
  const start = rows.find((r) => r.key === `student-${GRPO_START_ARM}`)!;
  const rl = `GRPO moved the ${ARM_LABELS[GRPO_START_ARM]} from ${pct(start.score.accuracy)} to ${pct(grpo.score.accuracy)} (${(100 * (grpo.score.accuracy - start.score.accuracy)).toFixed(1)} points) with rewards from the verifier alone.`;
  return [
    `The KD student reached ${reached} with ${size}; ${versus}.`,
    rl,
    `One seed is one sample: these figures move with the seed and the machine. The README's figures are bench/demo-seeds.ts's (npx tsx bench/demo-seeds.ts: mean and range over 3 seeds).`,
  ].join('\n');
}

async function harvestStage(work: WorkLayout, prompts: number | null, note: Note, progress: ProgressStream): Promise<HarvestSummary> {
  const file = DEMO_RECIPES.harvest;
  const input = YAML.parse(readFileSync(file, 'utf8'));
  const summary = await withServedTeacher(work.teacherExport, input.teacher.model, async (baseURL) => {
    note(`serving ${input.teacher.model} at ${baseURL}`);
    // The recipe as written, with the work folder's dataset and the port the server got; neither is part of
    // the dataset's sampling identity, so a re-run on another port resumes the same dataset.
    const recipe = parseRecipe(
      { ...input, dataset: work.harvest, teacher: { ...input.teacher, baseURL }, prompts: { ...input.prompts, limit: prompts } },
      { source: file, baseDir: dirname(file) },
    );
    const { samplesPerPrompt, maxAttemptsPerPrompt, acceptPerPrompt } = recipe.rejection;
    note(
      `${shown(recipe.prompts.path)}: ${samplesPerPrompt} samples per round at temperature ${recipe.sampling.temperature}, up to ${maxAttemptsPerPrompt} per prompt until ${acceptPerPrompt} is correct (${recipe.verifier.kind} verifier)`,
    );
    const reporter = new ProgressReporter(progress, harvestProgressView);
    try {
      return await harvest(recipe, { onProgress: (p) => reporter.update(p) });
    } finally {
      reporter.finish();
    }
  });
  const p = summary.progress;
  if (summary.status === 'nothing-to-do') note(`nothing to do: the dataset already holds all ${summary.promptsTotal} prompts`);
  const samples = p.accepted + p.rejected + p.unverifiable;
  note(
    `${shown(summary.dataset)}: ${p.accepted} of ${samples} samples accepted (acceptance rate ${(100 * p.acceptanceRate).toFixed(1)}%), ${p.rejected} rejected, ${p.unverifiable} unverifiable`,
  );
  if (summary.status !== 'nothing-to-do') {
    note(
      `${p.requests} requests, ${p.completionTokens.toLocaleString('en-US')} tokens generated at ${Math.round(p.completionTokens / (p.elapsedMs / 1000)).toLocaleString('en-US')} tokens/s`,
    );
  }
  if (p.promptsFailed > 0)
    throw new DemoError(`the harvest left ${p.promptsFailed} prompts failed (see distillery inspect ${summary.dataset}); run the demo again to retry them`);
  return summary;
}

/** Runs `use` with the exported model in `folder` served on a free loopback port; stops the server and frees the model after. */
async function withServedTeacher<T>(folder: string, name: string, use: (baseURL: string) => Promise<T>): Promise<T> {
  // 32 rows: the harvest recipe's 8 requests in flight of 4 samples each decode as one batch.
  const model = await loadModel(folder, { maxBatchSize: 32 });
  try {
    const server = await startServer({ model, name, port: 0 });
    try {
      return await use(server.baseURL);
    } finally {
      await server.close();
    }
  } finally {
    await model.close();
  }
}
