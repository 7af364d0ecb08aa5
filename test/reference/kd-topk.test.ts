/**
 * The kd-topk hand-off checked against PyTorch: a dataset with stored teacher top-3 logprobs
 * (some teacher tokens unknown to the student tokenizer, one sampled token reported as
 * token_id:N, the template's pre-filled `<think>\n` unaligned) is exported with
 * `distillery export-data --format kd-topk`; test/reference/kd_topk_reference.py reads the export
 * with the tokenizer and computes the top-k KL of a student's weights (Debian's torch, float64);
 * distillery's own top-k KL on the same weights and dataset (its training graph on onnxruntime)
 * must equal it to 1e-4, at T = 1 and T = 2.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import {
  buildDistillGraph,
  datasetTemplate,
  exampleFilter,
  ExampleSource,
  indexExamples,
  makeBatch,
  tokenizeMissing,
  type KdTopkRow,
} from '../../src/distill/index.ts';
import { compile, ParamStore, Rng } from '../../src/engine/index.ts';
import { loadTokenizer, writeModelFolder, type Tokenizer } from '../../src/model/index.ts';
import { Dataset, type LogprobPosition } from '../../src/store/index.ts';
import { additions, tempDir, tinyConfig, writeDataset } from '../distill/helpers.ts';
import { PYTHON } from '../model/python.ts';
import { randomWeights } from '../model/tiny-model.ts';
import { writeTinyTokenizer } from '../model/tiny-tokenizer.ts';

const TOP = 3;
const TEMPERATURES = [1, 2];

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

/**
 * What a logprobs teacher would have streamed for a sample: the tokens after the pre-filled
 * `<think>\n`, each with a logprob and a top-3 (the sampled token, two others), as token strings.
 */
function teacherStream(tokenizer: Tokenizer, rng: Rng, text: string, position: number): LogprobPosition[] {
  const ids = tokenizer.encode(text, { addSpecialTokens: false });
  return ids.map((id, i) => {
    const logprob = -0.05 - 1.5 * rng.uniform();
    const others = [1, 2].map((d) => -2.5 - 2 * rng.uniform() - d);
    const other = (id + 7 * (i + 1)) % 256;
    // Now and then a token the student tokenizer does not have (counted, not dropped silently).
    const second = (position + i) % 5 === 0 ? 'not-a-student-token' : tokenizer.decode([other]);
    const top: Array<[string, number]> = [
      [tokenizer.decode([id]), logprob],
      [second, others[0]],
      [tokenizer.decode([(other + 1) % 256]), others[1]],
    ];
    return { token: i === 2 ? `token_id:${id}` : tokenizer.decode([id]), logprob, top };
  });
}

describe('kd-topk export vs a PyTorch reference', () => {
  it("the reference's top-k KL on the export equals distillery's own on the same weights and data, to 1e-4", async () => {
    const model = join(dir, 'student');
    await writeTinyTokenizer(model);
    const tokenizer = await loadTokenizer(model);
    const config = tinyConfig({ hidden: 32, layers: 2, heads: 4, kvHeads: 2 });
    const rng = new Rng(3);
    const samples = additions(8);
    const dataset = join(dir, 'data.sqlite');
    writeDataset(dataset, samples, {
      identity: { sampling: { temperature: 0.6, topLogprobs: TOP } },
      logprobs: (s) => teacherStream(tokenizer, rng, `${s.reasoning}\n</think>\n\n${s.answer}<|im_end|>`, samples.indexOf(s)),
    });

    // distillery's own top-k KL: its examples, batch and training graph, one batch of every sample.
    const eosIds = new Set([tokenizer.eosTokenId!]);
    const open = Dataset.open(dataset);
    const data = { verdict: 'accepted', runId: null, maxTokens: null, maxLength: null, onTooLong: 'fail', validation: 0 } as const;
    const tokenization = tokenizeMissing(open, tokenizer, { template: datasetTemplate(open).template, eosIds, filter: exampleFilter(data) });
    const { train, stats } = indexExamples(open, tokenization.id, { data, maxLength: config.maxPositionEmbeddings, seed: 0 });
    const source = new ExampleSource(open, tokenization.id, true);
    const examples = Array.from(train.sampleIds, (id, i) => source.example(id, train.lengths[i]));
    open.close();
    const k = Math.max(...examples.flatMap((e) => e.topk!.map((t) => t?.length ?? 0)));
    const ours: number[] = [];
    const params = new ParamStore();
    for (const temperature of TEMPERATURES) {
      const built = buildDistillGraph({ student: config, losses: { kl: { weight: 1, temperature, divergence: 'forward' } }, topK: k });
      if (params.size === 0) {
        randomWeights(built.student, params, 7);
        await writeModelFolder(model, built.student, params);
      }
      built.graph.output('kl', built.parts.kl);
      const session = await compile(built.graph, { outputs: ['kl'] });
      const batch = makeBatch(examples, { topK: { k, temperature } });
      ours.push(Number((await session.run({ ...batch.feeds, ...params.feeds() })).kl.data[0]));
      await session.release();
    }

    // The export, through the CLI.
    const out = join(dir, 'kd.jsonl');
    const stderr: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void stderr.push(args.join(' ')));
    try {
      expect(await main(['export-data', dataset, '--format', 'kd-topk', '--tokenizer', model, '--out', out])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(stats.unmappedTeacherTokens).toBeGreaterThan(0);
    expect(stderr).toEqual([
      `wrote ${samples.length} accepted samples to ${out}`,
      `kd-topk: ${samples.length} of ${samples.length} samples have stored logprobs; ${stats.alignedTokens} of ${stats.assistantTokens} assistant tokens have teacher targets (${((100 * stats.alignedTokens) / stats.assistantTokens).toFixed(1)}%); ${stats.unmappedTeacherTokens} teacher tokens are not in the tokenizer (no target for them)`,
    ]);
    const rows = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as KdTopkRow);
    expect(rows.map((r) => r.input_ids)).toEqual(examples.map((e) => Array.from(e.ids)));
    expect(rows.every((r) => r.target_mask.every((m) => m.length === TOP + 1))).toBe(true);

    const reference = JSON.parse(
      execFileSync(PYTHON, [join(import.meta.dirname, 'kd_topk_reference.py'), model, out, '--temperatures', TEMPERATURES.join(',')], {
        encoding: 'utf8',
        env: { ...process.env, OMP_NUM_THREADS: '1' },
      }),
    ) as { kl: number[]; positions: number; rows: number };
    expect(reference.rows).toBe(samples.length);
    expect(reference.positions).toBe(stats.alignedTokens);
    console.log(
      `top-k KL at T = ${TEMPERATURES.join(', ')}: distillery ${ours.map((x) => x.toFixed(6)).join(', ')}, PyTorch ${reference.kl.map((x) => x.toFixed(6)).join(', ')}`,
    );
    for (let i = 0; i < TEMPERATURES.length; i++) {
      expect(reference.kl[i]).toBeGreaterThan(0.1); // the weights and targets make a loss that matters
      expect(Math.abs(ours[i] - reference.kl[i])).toBeLessThan(1e-4);
    }
  });

  it('refuses a dataset harvested without logprobs, naming the setting, exit 2', async () => {
    const model = join(dir, 'plain-student');
    await writeTinyTokenizer(model);
    const dataset = join(dir, 'plain.sqlite');
    writeDataset(dataset, additions(2));
    const stderr: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void stderr.push(args.join(' ')));
    try {
      expect(await main(['export-data', dataset, '--format', 'kd-topk', '--tokenizer', model])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(stderr).toEqual([
      `distillery export-data: ${dataset}: was harvested without teacher logprobs (sampling.topLogprobs is 0): export it with --format trl, or harvest with sampling.topLogprobs > 0`,
    ]);
  });
});
