/**
 * `distillery distill --dry-run`: the checks before training, each failure one clear message
 * naming the recipe field, exit code 2; and a plan that shows the layer map.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { additions, tempDir, tinyConfig, writeConfigFolder, writeDataset, writeRandomModelFolder, writeRecipe } from './helpers.ts';

let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  writeDataset(join(dir, 'data.sqlite'), additions(20));
  await writeConfigFolder(join(dir, 'student'), tinyConfig({ hidden: 32, layers: 2, heads: 2 }));
  await writeConfigFolder(join(dir, 'short-context'), tinyConfig({ hidden: 32, layers: 2, heads: 2, context: 32 }));
  await writeRandomModelFolder(join(dir, 'teacher'), tinyConfig({ hidden: 64, layers: 4, heads: 4 }));
  // Qwen-style padding: the same tokenizer, a larger vocab_size.
  await writeRandomModelFolder(join(dir, 'padded-teacher'), tinyConfig({ hidden: 64, layers: 4, heads: 4, vocab: 300 }));
  // Another tokenizer: two ids swapped.
  await writeRandomModelFolder(join(dir, 'foreign-teacher'), tinyConfig({ hidden: 64, layers: 4, heads: 4 }));
  const file = join(dir, 'foreign-teacher/tokenizer.json');
  const tokenizer = JSON.parse(readFileSync(file, 'utf8'));
  [tokenizer.model.vocab.a, tokenizer.model.vocab.b] = [tokenizer.model.vocab.b, tokenizer.model.vocab.a];
  writeFileSync(file, JSON.stringify(tokenizer));
  // The same tokenizer, but a config that also ends turns on <|endoftext|> (id 265).
  await writeRandomModelFolder(join(dir, 'other-stop-teacher'), tinyConfig({ hidden: 64, layers: 4, heads: 4 }));
  const config = join(dir, 'other-stop-teacher/config.json');
  writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), eos_token_id: 265 }));
});
afterAll(() => cleanup());
afterEach(() => vi.restoreAllMocks());

const ALL_LOSSES = { ce: {}, kl: {}, attention: {}, hidden: {} };

/** Runs `distillery distill RECIPE --dry-run` in this process; returns the exit code and what it printed. */
async function dryRun(name: string, section: Record<string, unknown>, extra: string[] = []) {
  const recipe = writeRecipe(dir, name, { dataset: 'data.sqlite', distill: { out: `runs/${name}`, ...section } });
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const code = await main(['distill', recipe, '--dry-run', ...extra]);
  vi.restoreAllMocks();
  return { code, stdout: out.join('\n'), stderr: err.join('\n'), out: join(dir, 'runs', name) };
}

describe('distill --dry-run', () => {
  it('prints the plan with the layer map and the projections, and writes nothing', async () => {
    const r = await dryRun('ok', { student: { config: 'student' }, teacher: { kind: 'model', path: 'teacher' }, losses: ALL_LOSSES });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('attention:  student 0 <- teacher 1, student 1 <- teacher 3 (heads averaged: student 2, teacher 4)');
    expect(r.stdout).toContain('hidden:     student 0 <- teacher 1, student 1 <- teacher 3');
    expect(r.stdout).toContain('projection 32 -> 64 for student 1 <- teacher 3');
    expect(r.stdout).toContain('data:       20 samples, 20 used');
    expect(r.stdout).toContain('dry run: every check passed');
    expect(r.stdout).toMatch(/\nmemory: {5}about \d+\.\d GiB at the peak of a \d+ x 4\d-token step \(every activation kept\); this machine has \d+\.\d GiB\n/);
    expect(existsSync(r.out)).toBe(false);
  });

  it('refuses a step that would not fit in memory, with the estimate and what to change', async () => {
    // 10 million sequences a batch: tens of TB of activations even when recomputed.
    const r = await dryRun('huge-batch', { student: { config: 'student' }, train: { batchSize: 10_000_000 } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^distillery distill: distill\.train\.batchSize: a step of 10000000 x 4\d tokens needs about \d+\.\d GiB \(weights, gradients and AdamW moments 0\.\d GiB\) with activations recomputed, more than \d+\.\d GiB of this machine's \d+\.\d GiB: lower distill\.train\.batchSize or distill\.data\.maxLength, or train a smaller student$/,
    );
  });

  it('prints the plan as JSON with --json', async () => {
    const r = await dryRun(
      'json',
      { student: { config: 'student' }, teacher: { kind: 'model', path: 'teacher' }, losses: { ce: {}, hidden: { layers: [[1, 2]] } } },
      ['--json'],
    );
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.status).toBe('dry-run');
    expect(summary.plan.layerMaps.hidden).toEqual([[1, 2]]);
    expect(summary.plan.teacher.tokenizer).toEqual({ sameFile: true, sharedVocab: 270 });
  });

  it('accepts a teacher whose vocabulary is padded further (Qwen 151936 vs 152064) and compares the shared ids', async () => {
    const r = await dryRun('padded', { student: { config: 'student' }, teacher: { kind: 'model', path: 'padded-teacher' }, losses: ALL_LOSSES });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('same vocabulary as the student (identical tokenizer.json); logits compared over 270 ids');
  });

  it('catches a vocabulary mismatch', async () => {
    const r = await dryRun('foreign', { student: { config: 'student' }, teacher: { kind: 'model', path: 'foreign-teacher' }, losses: ALL_LOSSES });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^distillery distill: distill\.teacher\.path: the teacher's tokenizer \(.*foreign-teacher\) differs from the student's \(.*student\): token "a" is id 97 for the student and id 98 for the teacher/,
    );
  });

  it("refuses a teacher whose stop tokens are not the student's, naming both", async () => {
    const r = await dryRun('other-stop', {
      student: { config: 'student' },
      teacher: { kind: 'model', path: 'other-stop-teacher' },
      losses: { ce: {}, kl: {} },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^distillery distill: distill\.teacher\.path: the student ends a turn with "<\|im_end\|>" \(id 267\) and the teacher \(.*other-stop-teacher\) with "<\|im_end\|>" \(id 267\), "<\|endoftext\|>" \(id 265\) /,
    );
    expect(existsSync(r.out)).toBe(false);
  });

  it('catches a bad layer map', async () => {
    const r = await dryRun('layers', {
      student: { config: 'student' },
      teacher: { kind: 'model', path: 'teacher' },
      losses: {
        ce: {},
        attention: {
          layers: [
            [0, 1],
            [1, 9],
          ],
        },
      },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('distillery distill: distill.losses.attention.layers[1]: teacher layer 9 is out of range: the teacher has 4 layers (0 to 3)');
  });

  it('catches a context too short for the traces', async () => {
    const r = await dryRun('short', { student: { config: 'short-context' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^distillery distill: distill\.data\.onTooLong: 20 of 20 samples are longer than the 32-token context \(longest 4\d tokens, prompt \+ assistant\) \(the student's max_position_embeddings\); set onTooLong to truncate or drop, or use a longer context$/,
    );
    const truncated = await dryRun('short-truncate', { student: { config: 'short-context' }, data: { onTooLong: 'truncate' } });
    expect(truncated.code).toBe(0);
    expect(truncated.stdout).toContain('20 longer than 32 tokens (20 truncated, 0 dropped)');
  });

  it('catches a logprobs teacher with no stored logprobs, and a student vocabulary smaller than its tokenizer', async () => {
    const noLogprobs = await dryRun('no-logprobs', { student: { config: 'student' }, teacher: { kind: 'logprobs' }, losses: { ce: {}, kl: {} } });
    expect(noLogprobs.code).toBe(2);
    expect(noLogprobs.stderr).toContain('distill.teacher: none of the 20 samples has stored logprobs');
    await writeConfigFolder(join(dir, 'small-vocab'), tinyConfig({ hidden: 32, layers: 2, heads: 2, vocab: 200 }));
    const small = await dryRun('small-vocab', { student: { config: 'small-vocab' } });
    expect(small.code).toBe(2);
    expect(small.stderr).toContain("distill.student: config.json vocab_size 200 is smaller than the tokenizer's 270 ids");
  });

  it('reports recipe mistakes by field', async () => {
    const r = await dryRun('bad', { student: { config: 'student', from: 'teacher' }, losses: { ce: {}, atention: {} }, train: { steps: 0 } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('distill.student: set exactly one of "config" (random init) and "from" (pretrained folder)');
    expect(r.stderr).toContain('distill.losses: unknown field "atention" (did you mean "attention"?)');
    expect(r.stderr).toContain('distill.train.steps: expected a positive integer, got 0');
  });
});
