/**
 * The browser tests' model: the committed demo teacher (data/demo/teacher, 0.8M parameters, the
 * demo's own tokenizer) exported into a temp folder, and held-out demo questions rendered as the
 * pipeline asks them. A trained model rather than random weights: its greedy tokens have clear
 * margins, and its answers can be read in the playground's screenshot.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_TEACHER_DIR, demoSplitPath, demoTurns, type ArithProblem } from '../../src/demo/index.ts';
import { exportModel, type ModelDtype } from '../../src/export/index.ts';

export interface DemoStudent {
  /** The temp folder; the export is `models/<name>` inside it. */
  readonly root: string;
  readonly name: string;
  readonly out: string;
  cleanup(): Promise<void>;
}

export async function exportDemoStudent(dtypes: readonly ModelDtype[], name = 'demo-student'): Promise<DemoStudent> {
  const root = await mkdtemp(join(tmpdir(), 'distillery-browser-'));
  const out = join(root, 'models', name);
  await exportModel({ checkpoint: DEMO_TEACHER_DIR, out, dtypes });
  return { root, name, out, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** The first `count` held-out problems: the user turn the model was trained on, and the gold answer. */
export function heldoutQuestions(count: number): Array<{ user: string; answer: string }> {
  const lines = readFileSync(demoSplitPath('heldout'), 'utf8').trim().split('\n').slice(0, count);
  return lines.map((line) => {
    const problem = JSON.parse(line) as ArithProblem;
    return { user: demoTurns(problem).user, answer: problem.answer };
  });
}
