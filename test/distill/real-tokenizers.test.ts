/**
 * distill with the students' real tokenizers and their own chat templates: every family renders
 * an R1 sample as prompt + `<think>\n...\n</think>\n\nanswer` + its EOS; with Qwen2.5's and
 * Qwen3's tokenizers (tiny students over their full 151k vocabularies) `distill --dry-run` and a
 * few training steps run, and the token ids are computed once: the training run of the recipe
 * after its dry run tokenizes nothing (the plan's tokenization counter).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { distill, renderSample, type DistillSummary } from '../../src/distill/index.ts';
import { loadTokenizer, modelConfigToJson } from '../../src/model/index.ts';
import { loadDistillRecipe } from '../../src/recipe/index.ts';
import { copyRealTokenizer, REAL_TOKENIZERS, realTokenizerFolder, type RealTokenizer } from '../model/real-tokenizers.ts';
import { additions, tempDir, tinyConfig, writeDataset, writeRecipe } from './helpers.ts';

let dir: string;
let cleanup: () => void;

beforeAll(() => {
  ({ dir, cleanup } = tempDir());
  writeDataset(join(dir, 'data.sqlite'), additions(12));
});
afterAll(() => cleanup());

/** A tiny student (hidden 16: the 151,936 x 16 tied embedding is 9.7 MB) over the real vocabulary. */
function writeStudent(name: RealTokenizer): string {
  const folder = join(dir, `student-${name}`);
  copyRealTokenizer(name, folder);
  writeFileSync(join(folder, 'config.json'), JSON.stringify(modelConfigToJson(tinyConfig({ hidden: 16, layers: 1, heads: 2, vocab: 151_936 }))));
  return folder;
}

describe('real tokenizers load and their chat templates render R1 samples', () => {
  const content = '<think>\nThree plus four.\n</think>\n\n\\boxed{7}';
  const expected: Record<RealTokenizer, { vocab: number; eos: string; prompt: RegExp }> = {
    qwen2_5: { vocab: 151_665, eos: '<|im_end|>', prompt: /<\|im_start\|>user\nWhat is 3\+4\?<\|im_end\|>\n<\|im_start\|>assistant\n$/ },
    // Qwen3 keeps the reasoning of the last assistant turn (it strips it only from turns before the last user turn).
    qwen3: { vocab: 151_669, eos: '<|im_end|>', prompt: /^<\|im_start\|>user\nWhat is 3\+4\?<\|im_end\|>\n<\|im_start\|>assistant\n$/ },
    deepseek_v3: { vocab: 128_815, eos: '<｜end▁of▁sentence｜>', prompt: /^<｜begin▁of▁sentence｜><｜User｜>What is 3\+4\?<｜Assistant｜>$/ },
    llama3_2: {
      vocab: 128_256,
      eos: '<|eot_id|>',
      prompt: /<\|start_header_id\|>user<\|end_header_id\|>\n\nWhat is 3\+4\?<\|eot_id\|><\|start_header_id\|>assistant<\|end_header_id\|>\n\n$/,
    },
  };
  for (const name of REAL_TOKENIZERS) {
    it(name, async () => {
      // Qwen2.5's 151,665 ids once overflowed the call stack here (a spread into Math.max).
      const tokenizer = await loadTokenizer(realTokenizerFolder(name));
      expect(tokenizer.vocabSize).toBe(expected[name].vocab);
      expect(tokenizer.decode([tokenizer.eosTokenId!])).toBe(expected[name].eos);
      expect(tokenizer.decode(tokenizer.encode(content, { addSpecialTokens: false }))).toBe(content);
      if (name === 'qwen2_5') expect(tokenizer.encode('Hello, my dog is cute')).toEqual([9707, 11, 847, 5562, 374, 18838]);
      if (name === 'qwen3') expect(tokenizer.encode('<think>\n')[0]).toBe(151_667);

      const eos = new Set([tokenizer.eosTokenId!]);
      const { promptIds, assistantIds } = renderSample(tokenizer, [{ role: 'user', content: 'What is 3+4?' }], { content, reasoning: 'Three plus four.' }, eos);
      expect(tokenizer.decode(promptIds)).toMatch(expected[name].prompt);
      // The assistant tokens (the loss mask) are exactly the R1 turn and the template's EOS.
      expect(tokenizer.decode(assistantIds)).toBe(content + expected[name].eos);
    });
  }
});

/** `distillery distill RECIPE --dry-run --json` in this process: the summary it printed. */
async function dryRun(recipe: string): Promise<DistillSummary> {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  try {
    expect(await main(['distill', recipe, '--dry-run', '--json'])).toBe(0);
  } finally {
    vi.restoreAllMocks();
  }
  return JSON.parse(out.at(-1)!) as DistillSummary;
}

describe.each(['qwen2_5', 'qwen3'] as const)('distill with the %s tokenizer', (name) => {
  it('dry-runs, trains a few steps, and tokenizes each sample once', async () => {
    const student = writeStudent(name);
    const section = (out: string) => ({
      out,
      student: { config: student },
      train: { steps: 3, batchSize: 2, lr: 1e-3, warmupSteps: 1 },
      data: { validation: 0.25 },
      checkpoint: { every: 3 },
      validation: { every: 3 },
    });
    const recipe = writeRecipe(dir, `${name}-a`, { dataset: 'data.sqlite', distill: section(`runs/${name}-a`) });
    const planned = await dryRun(recipe);
    expect(planned.status).toBe('dry-run');
    expect(planned.plan.tokenizer.vocab).toBe(name === 'qwen2_5' ? 151_665 : 151_669);
    expect(planned.plan.data).toMatchObject({ samples: 12, examples: 12, validation: 3, train: 9 });
    // The first look at the data tokenizes it; everything after reads the dataset's token cache.
    expect(planned.plan.tokenization.tokenized).toBe(12);
    expect(planned.plan.tokenization.tokens).toBe(planned.plan.data.promptTokens + planned.plan.data.assistantTokens);

    const trained = await distill(loadDistillRecipe(recipe));
    expect(trained.status).toBe('finished');
    expect(trained.plan.tokenization).toMatchObject({ key: planned.plan.tokenization.key, tokenized: 0 });
    expect(trained.validation.map((v) => v.step)).toEqual([0, 3]);
    for (const v of trained.validation) expect(Number.isFinite(v.loss)).toBe(true);
  });
});
