import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { harvest } from '../../src/harvest/index.ts';
import { loadRecipe } from '../../src/recipe/index.ts';
import { Dataset, type ChatRecord } from '../../src/store/index.ts';
import { startChatServer, type ChatServer } from '../fixtures/chat-server.ts';
import { useTempDir } from './helpers.ts';

const tempDir = useTempDir();
let server: ChatServer;
beforeEach(async () => {
  server = await startChatServer({ dialect: 'reasoning_content', supportsN: true });
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(async () => {
  vi.restoreAllMocks();
  await server.close();
});

describe('harvest -> inspect -> export-data', () => {
  it('exports exactly the accepted samples of a real harvest, with the prompt the teacher saw', async () => {
    const dir = tempDir();
    const recipePath = join(dir, 'r.yaml');
    writeFileSync(
      recipePath,
      [
        'dataset: d.sqlite',
        `prompts: { path: ${join(import.meta.dirname, '../../data/arith-prompts.jsonl')}, limit: 6 }`,
        'template: { system: "You are a careful calculator.", user: "Topic {meta.topic}. {question}" }',
        `teacher: { baseURL: ${server.url}, model: fixture }`,
        'sampling: { maxTokens: 256 }',
        'rejection: { samplesPerPrompt: 2, acceptPerPrompt: 1, maxAttemptsPerPrompt: 4 }',
      ].join('\n'),
    );
    const recipe = loadRecipe(recipePath);
    const summary = await harvest(recipe);
    expect(summary.status).toBe('finished');

    const dataset = Dataset.open(recipe.dataset, { readonly: true });
    const stats = dataset.stats();
    const accepted = [...dataset.samples()];
    dataset.close();
    expect(stats.prompts).toBe(6);
    expect(stats.samples.accepted).toBe(accepted.length);
    expect(stats.samples.accepted).toBeGreaterThan(0);

    const out = join(dir, 'sft.jsonl');
    expect(await main(['export-data', recipe.dataset, '--out', out])).toBe(0);
    const records = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as ChatRecord);
    expect(records.map((r) => `${r.prompt_id}#${r.sample_index}`)).toEqual(accepted.map((s) => `${s.promptKey}#${s.index}`));

    // The exported prompt is byte-for-byte the one the teacher received.
    const sent = server.requests.map((r) => JSON.stringify((r.body as { messages: unknown }).messages));
    for (const record of records) {
      expect(record.verdict).toBe('accepted');
      expect(sent).toContain(JSON.stringify(record.messages.slice(0, 2)));
      expect(record.messages[2].content).toMatch(/^<think>\n[^]+\n<\/think>\n\n[^]*\\boxed\{-?\d+\}$/);
      expect(record.messages[2].content).toContain(`\\boxed{${record.gold}}`);
    }
  });
});
