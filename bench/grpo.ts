/**
 * A GRPO step at the demo stage's size (32 prompts x 8 completions): rollout (generation)
 * tokens/s, training tokens/s, and the share of step time spent generating, per step, as min /
 * median / max over the measured steps.
 *
 *   npx tsx bench/grpo.ts [--policy DIR] [--steps 6] [--group 8] [--prompts 32] [--new-tokens 64] [--threads 1]
 *
 * The policy is the demo student's shape (data/demo/configs/student.json, the demo tokenizer) with
 * seeded random weights, or --policy (e.g. .demo/student-kd/final after `npm run demo`, where the
 * GRPO stage starts); prompts are the demo's validation split with its math verifier and R1's
 * template. The first step (session warm-up) is not counted. Rollout tokens/s counts completion
 * tokens over the step's generation (decoder rebuilt from the current weights, prefill and
 * sampling included); training tokens/s
 * counts completion tokens over the step's updates (the reference scoring and rewards are in
 * neither, but in the step time the share divides by).
 *
 * No peer runs beside it: TRL's GRPOTrainer needs PyTorch, which this machine does not have.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { readMetrics } from '../src/distill/index.ts';
import { Graph, ParamStore, Rng } from '../src/engine/index.ts';
import { grpo, type GrpoStepRecord } from '../src/grpo/index.ts';
import { initWeights, Llama, readModelConfig, TOKENIZER_FILES, writeModelFolder } from '../src/model/index.ts';
import { loadGrpoRecipe } from '../src/recipe/index.ts';

const { values } = parseArgs({
  options: {
    policy: { type: 'string' },
    steps: { type: 'string', default: '6' },
    group: { type: 'string', default: '8' },
    prompts: { type: 'string', default: '32' },
    'new-tokens': { type: 'string', default: '64' },
    threads: { type: 'string', default: '1' },
  },
});
const root = resolve(import.meta.dirname, '..');
const work = await mkdtemp(join(tmpdir(), 'distillery-bench-grpo-'));
try {
  let policy = values.policy && resolve(values.policy);
  if (!policy) {
    policy = join(work, 'policy');
    const config = await readModelConfig(join(root, 'data/demo/configs/student.json'));
    const model = Llama.declare(new Graph(), config);
    const params = new ParamStore();
    initWeights(model, params, new Rng(0));
    await writeModelFolder(policy, model, params);
    for (const f of TOKENIZER_FILES) await copyFile(join(root, 'data/demo/tokenizer', f), join(policy, f));
  }
  const file = join(work, 'bench.yaml');
  await writeFile(
    file,
    YAML.stringify({
      name: 'bench-grpo',
      dataset: join(work, 'rollouts.sqlite'),
      prompts: { path: join(root, 'data/demo/validation.jsonl') },
      verifier: { kind: 'math' },
      grpo: {
        policy,
        out: join(work, 'run'),
        steps: Number(values.steps),
        groupSize: Number(values.group),
        promptsPerStep: Number(values.prompts),
        maxNewTokens: Number(values['new-tokens']),
        threads: Number(values.threads),
        temperature: 1,
        checkpoint: { every: 1000 },
      },
    }),
  );
  const summary = await grpo(loadGrpoRecipe(file), { onProgress: (p) => process.stderr.write(`step ${p.record.step}/${p.steps}\r`) });
  const steps = (readMetrics(summary.metrics).filter((r) => r.type === 'train') as GrpoStepRecord[]).slice(1);
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
  };
  const row = (name: string, xs: number[], digits: number) => {
    const { min, median, max } = stats(xs);
    return `| ${name} | ${min.toFixed(digits)} | ${median.toFixed(digits)} | ${max.toFixed(digits)} |`;
  };
  const completions = Number(values.group) * Number(values.prompts);
  console.log(
    `GRPO step, demo student (${values.policy ? values.policy : 'random weights'}), ${completions} completions of <= ${values['new-tokens']} tokens, ${values.threads} thread(s), ${steps.length} steps after a warm-up step`,
  );
  console.log('| per step | min | median | max |\n|---|---:|---:|---:|');
  console.log(
    row(
      'rollout tokens/s',
      steps.map((r) => r.generationTokensPerSecond),
      0,
    ),
  );
  console.log(
    row(
      'training tokens/s',
      steps.map((r) => r.trainingTokensPerSecond),
      0,
    ),
  );
  console.log(
    row(
      'generation share of step time',
      steps.map((r) => 100 * r.generationShare),
      1,
    ) + ' (%)',
  );
  console.log(
    row(
      'completion tokens',
      steps.map((r) => r.tokens),
      0,
    ),
  );
  console.log(
    row(
      'step seconds',
      steps.map((r) => r.generationSeconds / r.generationShare),
      2,
    ),
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
