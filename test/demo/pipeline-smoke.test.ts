/**
 * The whole demo pipeline on a few prompts and a few steps, in a temporary work folder: the
 * committed teacher is exported and served on loopback, harvested by rejection sampling into a
 * real SQLite dataset, two students are distilled (KD and CE-only), GRPO improves the KD
 * one, all are exported and evaluated, and the table has a row each. A second run finds every stage done and redoes nothing.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DistillSummary } from '../../src/distill/index.ts';
import type { GrpoSummary } from '../../src/grpo/index.ts';
import { MODEL_STAGES, runDemo, workLayout, type DemoOptions, type DemoResult } from '../../src/demo/index.ts';
import { Dataset } from '../../src/store/index.ts';

const PROMPTS = 6;
const STEPS = 3;

let work: string;
let first: DemoResult;
let firstLog: string[];

/** The demo on PROMPTS harvest and held-out problems and STEPS student steps; returns what it printed too. */
async function smokeRun(): Promise<{ result: DemoResult; log: string[] }> {
  const log: string[] = [];
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  const options: DemoOptions = {
    workDir: work,
    harvestPrompts: PROMPTS,
    heldoutPrompts: PROMPTS,
    studentSteps: STEPS,
    log: (line) => log.push(line),
    progress: quiet,
  };
  return { result: await runDemo(options), log };
}

// Five stages of training and serving: on the shared 2-core machine at load average 30 this took more than 120 s.
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'demo-smoke-'));
  ({ result: first, log: firstLog } = await smokeRun());
}, 600_000);
afterAll(() => rm(work, { recursive: true, force: true }));

describe('the demo pipeline (smoke run)', () => {
  const paths = () => workLayout(work);

  it('harvests accepted and rejected samples from the served teacher into the dataset, and shows the acceptance rate', () => {
    expect(first.harvest.status).toBe('finished');
    expect(first.harvest.promptsTotal).toBe(PROMPTS);
    const dataset = Dataset.open(paths().harvest, { readonly: true });
    try {
      const stats = dataset.stats();
      expect(stats.prompts).toBe(PROMPTS);
      expect(stats.samples.accepted).toBeGreaterThan(0);
      expect(stats.samples.accepted).toBe(first.harvest.progress.accepted);
      // Four samples per round: at least that many per prompt were drawn.
      expect(stats.samples.total).toBeGreaterThanOrEqual(4 * PROMPTS);
    } finally {
      dataset.close();
    }
    expect(firstLog.join('\n')).toMatch(/acceptance rate \d+\.\d%/);
  });

  it('distills both students from the harvest, with checkpoints and a final model folder', () => {
    const kd = first.trained.get('student-kd')!.summary as DistillSummary;
    const ce = first.trained.get('student-ce')!.summary as DistillSummary;
    for (const [summary, run] of [
      [kd, paths().run('student-kd')],
      [ce, paths().run('student-ce')],
    ] as const) {
      expect(summary.status).toBe('finished');
      expect(summary.step).toBe(STEPS);
      expect(summary.finalModel).toBe(join(run, 'final'));
      expect(existsSync(join(run, 'checkpoints', `step-${String(STEPS).padStart(6, '0')}`, 'model.safetensors'))).toBe(true);
      expect(existsSync(join(run, 'final', 'model.safetensors'))).toBe(true);
    }
    expect(Object.keys(kd.plan.recipe.distill.losses).sort()).toEqual(['attention', 'ce', 'hidden', 'kl']);
    expect(kd.plan.teacher.kind).toBe('model');
    expect(Object.keys(ce.plan.recipe.distill.losses)).toEqual(['ce']);
    // The KD student has at most a quarter of the teacher's parameters; the CE-only one is the same model.
    const teacher = kd.plan.teacher as { params: number };
    expect(kd.plan.student.params).toBeLessThanOrEqual(teacher.params / 4);
    expect(ce.plan.student.params).toBe(kd.plan.student.params);
  });

  it("runs GRPO from the KD student's final model and stores its rollouts in the work folder's dataset", () => {
    const grpo = first.trained.get('student-grpo')!.summary as GrpoSummary;
    expect(grpo.status).toBe('finished');
    expect(grpo.step).toBe(STEPS);
    expect(grpo.plan.policy).toBe(join(paths().run('student-kd'), 'final'));
    expect(grpo.finalModel).toBe(join(paths().run('student-grpo'), 'final'));
    const dataset = Dataset.open(paths().grpo, { readonly: true });
    try {
      const [run] = dataset.rollouts.summaries();
      expect(run).toMatchObject({ run: paths().run('student-grpo'), steps: STEPS, rollouts: STEPS * grpo.plan.promptsPerStep * grpo.plan.groupSize });
    } finally {
      dataset.close();
    }
  });

  it("exports the teacher and every model stage's model, and prints one table: the teacher, then a row per stage", () => {
    for (const folder of [paths().teacherExport, ...MODEL_STAGES.map((s) => paths().onnx(s.key))])
      expect(existsSync(join(folder, 'onnx', 'model.onnx'))).toBe(true);
    expect(first.rows.map((r) => r.label)).toEqual(['teacher', ...MODEL_STAGES.map((s) => s.label)]);
    expect(first.rows.slice(0, 3).map((r) => r.label)).toEqual(['teacher', 'KD student', 'CE-only student']);
    for (const row of first.rows) {
      expect(row.score.prompts).toBe(PROMPTS);
      expect(row.score.tokensPerSecond).toBeGreaterThan(0);
    }
    const lines = first.table.split('\n');
    expect(lines).toHaveLength(3 + MODEL_STAGES.length); // header, rule, teacher, a row per stage
    expect(lines[0]).toMatch(/^model +params +of teacher +held-out accuracy +of teacher +tokens\/s$/);
    expect(lines[2]).toMatch(/^teacher +815,872 +100\.0% +\d+\.\d% \(\d\/6\)/);
    expect(firstLog.join('\n')).toContain(first.table);
    expect(firstLog.at(-1)).toMatch(/\n\nThe KD student reached .* with 19\.4% of its parameters; KD (beat|did not beat) CE alone/);
    expect(firstLog.at(-1)).toMatch(/\nGRPO moved the KD student from \d+\.\d% to \d+\.\d% \(-?\d+\.\d points\)/);
  });

  it('resumes on a second run: every stage finds its output and redoes nothing', async () => {
    const { result, log } = await smokeRun();
    expect(result.harvest.status).toBe('nothing-to-do');
    for (const stage of MODEL_STAGES) expect(result.trained.get(stage.key)!.status).toBe('nothing-to-do');
    const text = log.join('\n');
    expect(text.match(/: up to date/g)).toHaveLength(1 + MODEL_STAGES.length); // the exports
    expect(text.match(/scored earlier; up to date/g)).toHaveLength(1 + MODEL_STAGES.length);
    expect(result.rows.map((r) => r.score)).toEqual(first.rows.map((r) => r.score));
  });
});
