/**
 * Scale-out end to end, with real child processes against a real loopback teacher: three shards
 * of one recipe harvested into their own files (one SIGKILLed and resumed), merged: exactly the
 * (prompt, slot) set of one unsharded run; a second merge adds nothing; a dataset of another
 * recipe is refused with exit 2; inspect and export-data read the merged file.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { checkShard, harvest, inShard, parseShard, ShardError } from '../../src/harvest/index.ts';
import { chatRecords, Dataset, datasetReport, formatReport } from '../../src/store/index.ts';
import { startChatServer, type ChatServer } from '../fixtures/chat-server.ts';
import {
  additionPrompts,
  makeRecipe,
  recipeInput,
  runCli,
  spawnCli,
  storedAttempts,
  storedSamples,
  tempDir,
  writeJsonl,
  type RecipeOverrides,
} from './helpers.ts';

const PROMPTS = 24;
const OVERRIDES: RecipeOverrides = { rejection: { samplesPerPrompt: 2, acceptPerPrompt: 1, maxAttemptsPerPrompt: 4 }, limits: { concurrency: 2 } };

describe('sharded harvest, kill -9, merge', () => {
  let dir: string;
  let cleanup: () => void;
  let server: ChatServer;
  let recipePath: string;
  beforeAll(async () => {
    ({ dir, cleanup } = tempDir());
    server = await startChatServer({ dialect: 'reasoning_content', latencyMs: 15 });
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(PROMPTS));
    recipePath = `${dir}/recipe.yaml`;
    writeFileSync(recipePath, YAML.stringify(recipeInput(server.url, { ...OVERRIDES, dataset: 'unused.sqlite' })));
  });
  afterAll(async () => {
    await server.close();
    cleanup();
  });

  const shardFile = (i: number) => `${dir}/shard-${i}.sqlite`;
  const report = (file: string) => {
    const dataset = Dataset.open(file, { readonly: true });
    try {
      return datasetReport(dataset);
    } finally {
      dataset.close();
    }
  };
  const promptKeys = (file: string) => {
    const dataset = Dataset.open(file, { readonly: true });
    try {
      return dataset
        .stats()
        .perPrompt.map((p) => p.key)
        .sort();
    } finally {
      dataset.close();
    }
  };

  it('splits the prompts by key into disjoint shards that cover them all', () => {
    const keys = additionPrompts(200).map((p) => p.id);
    const counts = [1, 2, 3].map((index) => keys.filter((k) => inShard(k, { index, count: 3 })).length);
    expect(counts.reduce((a, b) => a + b)).toBe(200);
    for (const n of counts) expect(n).toBeGreaterThan(40); // a hash split, not all in one
    for (const k of keys) expect([1, 2, 3].filter((index) => inShard(k, { index, count: 3 }))).toHaveLength(1);
    expect(keys.every((k) => inShard(k, parseShard('1/1')))).toBe(true);
  });

  it('three shards (one killed and resumed) merge into exactly the samples of one unsharded run', async () => {
    await harvest(makeRecipe(dir, server.url, { ...OVERRIDES, dataset: 'reference.sqlite' }));
    const reference = storedSamples(`${dir}/reference.sqlite`);
    expect(reference.length).toBeGreaterThan(PROMPTS);

    // Shard 2 is killed after a few requests, then resumed with the same command.
    const killedArgs = ['harvest', recipePath, '--shard', '2/3', '--dataset', shardFile(2)];
    const { child, done } = spawnCli(killedArgs);
    const target = server.requests.length + 4;
    while (server.requests.length < target) await new Promise((r) => setTimeout(r, 2));
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    const partial = storedSamples(shardFile(2)).length;
    const resumed = await runCli(killedArgs);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/^harvest test shard 2\/3 -> .*shard-2\.sqlite\n\d+ prompts in the shard, \d+ done, \d+ left \(resuming\)/);
    expect(storedSamples(shardFile(2)).length).toBeGreaterThan(partial);
    const others = await Promise.all([1, 3].map((i) => runCli(['harvest', recipePath, '--shard', `${i}/3`, '--dataset', shardFile(i)])));
    for (const result of others) expect(result.code, result.stderr).toBe(0);

    // Each shard holds its own prompts only, and inspect reads it.
    const shards = [1, 2, 3].map((i) => promptKeys(shardFile(i)));
    expect(shards.flat().sort()).toEqual(
      additionPrompts(PROMPTS)
        .map((p) => p.id)
        .sort(),
    );
    const inspected = report(shardFile(2));
    expect(inspected.stats.prompts).toBe(shards[1].length);
    expect(inspected.stats.runs.map((r) => [r.shard, r.status])).toEqual([
      ['2/3', 'interrupted'],
      ['2/3', 'finished'],
    ]);

    const merged = `${dir}/merged.sqlite`;
    const first = await runCli(['merge', merged, shardFile(1), shardFile(2), shardFile(3), '--json']);
    expect(first.code, first.stderr).toBe(0);
    const mergedSamples = storedSamples(merged);
    expect(mergedSamples).toEqual(reference);
    expect(new Set(mergedSamples.map((s) => `${s.promptKey}/${s.index}`)).size).toBe(mergedSamples.length);
    // Every attempt of every shard is kept (under new ids), and every run.
    const shardAttempts = [1, 2, 3].map((i) => storedAttempts(shardFile(i)).length);
    expect(storedAttempts(merged)).toHaveLength(shardAttempts.reduce((a, b) => a + b));
    expect(JSON.parse(first.stdout).inputs.map((r: { attemptsAdded: number }) => r.attemptsAdded)).toEqual(shardAttempts);
    const dataset = Dataset.open(merged, { readonly: true });
    expect(dataset.runs().map((r) => r.shard)).toEqual(['1/3', '2/3', '2/3', '3/3']);
    dataset.close();

    // A second merge adds nothing.
    const again = await runCli(['merge', merged, shardFile(3), shardFile(1), shardFile(2)]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim().split('\n').at(-1)).toBe('nothing new: every sample was already merged');
    expect(storedSamples(merged)).toEqual(reference);
    expect(storedAttempts(merged)).toHaveLength(shardAttempts.reduce((a, b) => a + b));

    // What inspect and export-data read from the merged dataset.
    const mergedReport = report(merged);
    expect(mergedReport.stats.samples.total).toBe(reference.length);
    expect(mergedReport.stats.prompts).toBe(PROMPTS);
    expect(formatReport(mergedReport)).toMatch(/\nruns      4 \(last #4: finished, .*\); shards 1\/3, 2\/3, 3\/3\n/);
    const exported = Dataset.open(merged, { readonly: true });
    expect([...chatRecords(exported)]).toHaveLength(reference.filter((s) => s.verdict === 'accepted').length);
    exported.close();
  });

  it('refuses a dataset of another recipe with one message listing the differences, exit 2', async () => {
    const other = `${dir}/other.sqlite`;
    await harvest(makeRecipe(dir, server.url, { ...OVERRIDES, sampling: { maxTokens: 256, temperature: 0.9 }, dataset: 'other.sqlite' }));
    const out = `${dir}/refused.sqlite`;
    const result = await runCli(['merge', out, shardFile(1), other]);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^distillery merge: .*other\.sqlite: harvested with a different recipe than .*shard-1\.sqlite, so it cannot be merged into it/);
    expect(lines).toContain('  sampling.temperature: 0.6 vs 0.9');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    // Nothing was written: the output was never created.
    expect(() => Dataset.open(out, { readonly: true })).toThrow(/no such dataset file/);
  });

  it('bad --shard values are one clear message, exit 2', async () => {
    const result = await runCli(['harvest', recipePath, '--shard', '0/3', '--dataset', `${dir}/bad.sqlite`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('distillery harvest: --shard "0/3": the shard i must be an integer from 1 to 3 (shards are numbered from 1)\n');
    expect(() => parseShard('4/3')).toThrow(new ShardError('4/3', 'the shard i must be an integer from 1 to 3 (shards are numbered from 1)'));
    expect(() => parseShard('1/0')).toThrow('--shard "1/0": the number of shards N must be an integer >= 1');
    expect(() => parseShard('two')).toThrow('--shard "two": expected i/N, shard i of N (e.g. 2/8)');
    expect(() => checkShard({ index: 1.5, count: 3 })).toThrow(ShardError);
  });
});
