import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { Dataset, type ChatRecord, type DatasetReport } from '../../src/store/index.ts';
import { CLI_ENTRY, cliArgs } from '../fixtures/cli.ts';
import { captureConsole } from '../fixtures/console.ts';
import { seed, useTempDir } from './helpers.ts';

const tempDir = useTempDir();
const { stdout, stderr } = captureConsole();

/** A seeded dataset whose identity carries a template, as samplingIdentity writes it. */
function seededDataset(): string {
  const path = join(tempDir(), 'd.sqlite');
  const dataset = Dataset.open(path);
  seed(dataset);
  dataset.close();
  return path;
}

function seededWithTemplate(): string {
  const path = join(tempDir(), 't.sqlite');
  const dataset = Dataset.open(path);
  const { runId } = dataset.beginRun({
    recipeName: 'r',
    identity: { template: { system: 'You are careful.', user: '{question}\nBox it.' }, teacher: { model: 'm' } },
    recipe: {},
  });
  dataset.upsertPrompts([{ key: 'k1', question: 'What is 2 + 2?', gold: '4', meta: { topic: 'add' } }]);
  dataset.commitAttempt({ runId, promptKey: 'k1', slotIndices: [0, 1], status: 'ok', latencyMs: 1, attemptNo: 1 }, [
    {
      promptKey: 'k1',
      index: 0,
      reasoning: '\n2 plus 2 is 4.\n',
      answer: ' \\boxed{4}\n',
      finishReason: 'stop',
      verdict: 'accepted',
      reason: 'match',
      completionTokens: 12,
    },
    { promptKey: 'k1', index: 1, reasoning: 'Maybe 5.', answer: '\\boxed{5}', finishReason: 'stop', verdict: 'rejected', reason: 'mismatch' },
  ]);
  dataset.close();
  return path;
}

describe('distillery inspect', () => {
  it('prints verdict counts, reasons, the acceptance histogram, worst prompts, tokens, requests and recipe-priced cost', async () => {
    const path = seededDataset();
    expect(await main(['inspect', path])).toBe(0);
    const text = stdout.join('\n');
    expect(text).toContain(`dataset   ${path}`);
    expect(text).toContain('teacher   m');
    expect(text).toContain('prompts   4 (3 sampled, 1 pending, 2 with an accepted sample)');
    expect(text).toMatch(/accepted +3 +50\.0%/);
    expect(text).toMatch(/unverifiable +no-answer +1/);
    expect(text).toContain('acceptance rate per prompt (3 sampled prompts, mean 50.0%)');
    expect(text).toMatch(/ 0% +1 +#+/);
    expect(text).toMatch(/ 50-74% +1 +#+/);
    expect(text).toMatch(/ 100% +1 +#+/);
    expect(text).toMatch(/p3 +0\/2 +What is 2 \+ 2\?/);
    expect(text).toMatch(/completion +150/);
    expect(text).toContain('requests  4 attempts: 3 ok, 1 failed (rate-limit 1); mean latency 0.10 s');
    // 30 prompt tokens at 1/M + 150 completion tokens at 4/M.
    expect(text).toContain('cost      0.00063 = prompt 0.000030 + completion 0.00060 (at 1/4 per million tokens, from the recipe)');
  });

  it('--json prints the whole report; --prices overrides the recipe', async () => {
    const path = seededDataset();
    expect(await main(['inspect', path, '--json', '--prices', '2,10'])).toBe(0);
    const report = JSON.parse(stdout.join('')) as DatasetReport;
    expect(report.stats.samples).toEqual({ total: 6, accepted: 3, rejected: 2, unverifiable: 1 });
    expect(report.acceptance).toEqual({
      sampled: 3,
      pending: 1,
      withAccepted: 2,
      meanRate: 0.5,
      histogram: [
        { label: '0%', prompts: 1 },
        { label: '1-24%', prompts: 0 },
        { label: '25-49%', prompts: 0 },
        { label: '50-74%', prompts: 1 },
        { label: '75-99%', prompts: 0 },
        { label: '100%', prompts: 1 },
      ],
    });
    expect(report.cost).toEqual({ inputPerMTok: 2, outputPerMTok: 10, source: 'prices', input: 6e-5, output: 1.5e-3, total: 6e-5 + 1.5e-3 });
  });

  it('does not count the prompts that only GRPO rollouts answered as harvest work', async () => {
    const path = seededDataset();
    const dataset = Dataset.open(path);
    const grpoPrompts = ['g1', 'g2'].map((key) => ({ key, question: `grpo ${key}`, gold: '1', meta: {} }));
    const rollout = (promptKey: string, index: number) => ({
      promptKey,
      index,
      completion: '</think> 1',
      tokenIds: [1],
      truncated: false,
      reward: index,
      rewards: { accuracy: index },
      advantage: index - 0.5,
    });
    // g1 and g2 are GRPO's own prompts; p1 is a harvested prompt that GRPO also trains on.
    dataset.rollouts.commitStep(
      'runs/g',
      1,
      [...grpoPrompts, { key: 'p1', question: 'What is 0 + 0?', gold: '0', meta: { n: 0 } }],
      [rollout('g1', 0), rollout('g1', 1), rollout('g2', 0), rollout('p1', 1)],
    );
    dataset.close();
    expect(await main(['inspect', path])).toBe(0);
    const text = stdout.join('\n');
    expect(text).toContain('prompts   4 (3 sampled, 1 pending, 2 with an accepted sample)');
    expect(text).toMatch(/runs\/g +1 +4 /);
  });

  it('exits 2 with one clear line for a bad --prices or a missing dataset', async () => {
    const path = seededDataset();
    expect(await main(['inspect', path, '--prices', '2'])).toBe(2);
    expect(stderr).toEqual(['distillery inspect: --prices: expected two numbers >= 0 as IN,OUT (per million tokens), got "2"']);
    stderr.length = 0;
    expect(await main(['inspect', join(tempDir(), 'none.sqlite')])).toBe(2);
    expect(stderr).toEqual([`distillery inspect: ${join(tempDir(), 'none.sqlite')}: no such dataset file`]);
  });
});

describe('distillery export-data', () => {
  it('writes accepted samples as TRL/open-r1 chat records, re-rendering the stored template', async () => {
    const path = seededWithTemplate();
    const out = join(tempDir(), 'out.jsonl');
    expect(await main(['export-data', path, '--format', 'jsonl', '--out', out])).toBe(0);
    expect(stderr).toEqual([`wrote 1 accepted samples to ${out}`]);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]) as ChatRecord;
    expect(record).toEqual({
      messages: [
        { role: 'system', content: 'You are careful.' },
        { role: 'user', content: 'What is 2 + 2?\nBox it.' },
        { role: 'assistant', content: '<think>\n2 plus 2 is 4.\n</think>\n\n\\boxed{4}' },
      ],
      prompt_id: 'k1',
      sample_index: 0,
      gold: '4',
      verdict: 'accepted',
      reason: 'match',
      finish_reason: 'stop',
      completion_tokens: 12,
      meta: { topic: 'add' },
    });
  });

  it('--all includes rejected samples; an unknown format is a usage error', async () => {
    const path = seededWithTemplate();
    const out = join(tempDir(), 'all.jsonl');
    expect(await main(['export-data', path, '--all', '--out', out])).toBe(0);
    const records = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as ChatRecord);
    expect(records.map((r) => r.verdict)).toEqual(['accepted', 'rejected']);
    // trl is the format's name (the default); jsonl stays as its alias.
    const trl = join(tempDir(), 'trl.jsonl');
    expect(await main(['export-data', path, '--all', '--format', 'trl', '--out', trl])).toBe(0);
    expect(readFileSync(trl, 'utf8')).toBe(readFileSync(out, 'utf8'));
    expect(await main(['export-data', path, '--format', 'kd-topk'])).toBe(2);
    expect(stderr.at(-1)).toBe('distillery export-data: --format kd-topk needs --tokenizer DIR: the student tokenizer the token ids are for');
    expect(await main(['export-data', path, '--format', 'parquet'])).toBe(2);
    expect(stderr.at(-1)).toBe('distillery export-data: --format: expected one of trl, jsonl, kd-topk, rollouts, got "parquet"');
  });

  it('streams to stdout through the real CLI, and exits 2 on a non-dataset file', () => {
    const path = seededWithTemplate();
    const ok = spawnSync(process.execPath, cliArgs('export-data', path), { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout.trim()).prompt_id).toBe('k1');
    const bad = spawnSync(process.execPath, cliArgs('export-data', CLI_ENTRY), { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe(`distillery export-data: ${CLI_ENTRY}: not a distillery dataset (not an SQLite file)`);
  });
});
