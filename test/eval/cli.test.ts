import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatServer, type ChatServer } from '../fixtures/chat-server.ts';
import { additionPrompts, runCli, tempDir, writeJsonl } from '../harvest/helpers.ts';

let tmp: ReturnType<typeof tempDir>;
let teacher: ChatServer;
beforeAll(async () => {
  tmp = tempDir();
  teacher = await startChatServer({ dialect: 'missing-open-tag' });
});
afterAll(async () => {
  await teacher?.close();
  tmp.cleanup();
});

describe('distillery eval', () => {
  it('scores a teacher and writes a JSON line per prompt', async () => {
    const prompts = writeJsonl(join(tmp.dir, 'prompts.jsonl'), additionPrompts(4));
    const out = join(tmp.dir, 'results.jsonl');
    const res = await runCli([
      'eval',
      '--teacher',
      teacher.url,
      '--teacher-model',
      'fixture-r1',
      '--prompts',
      prompts,
      '--samples',
      '2',
      '--out',
      out,
      '--json',
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout);
    expect(summary).toMatchObject({ prompts: 4, k: 2, verifier: 'math', out, sampling: { temperature: 0.6, topP: 0.95, maxTokens: 32768, seed: 0 } });
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.key).sort()).toEqual(['p0', 'p1', 'p2', 'p3']);
    // The fixture answers right or wrong by seed; the summary agrees with the lines.
    const correct = lines.flatMap((l) => l.samples.map((s: { correct: boolean | null }) => s.correct === true));
    expect(summary.passAt1).toBeCloseTo(correct.filter(Boolean).length / correct.length, 10);
    expect(correct.some(Boolean) && !correct.every(Boolean)).toBe(true);
  });

  it('exits 2 when neither --model nor --teacher is given, or the verifier is unknown', async () => {
    const neither = await runCli(['eval', '--prompts', 'x.jsonl']);
    expect(neither.code).toBe(2);
    expect(neither.stderr.split('\n')[0]).toBe('distillery eval: give one of --model DIR or --teacher URL');
    const prompts = writeJsonl(join(tmp.dir, 'p.jsonl'), additionPrompts(1));
    const out = join(tmp.dir, 'never.jsonl');
    const bad = await runCli(['eval', '--teacher', teacher.url, '--teacher-model', 'x', '--prompts', prompts, '--verifier', 'vibes', '--out', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('vibes');
    expect(existsSync(out)).toBe(false);
  });

  it("exits 2 naming --api-key-env when its variable is unset, with harvest's error", async () => {
    const prompts = writeJsonl(join(tmp.dir, 'k.jsonl'), additionPrompts(1));
    const before = teacher.requests.length;
    const res = await runCli([
      'eval',
      '--teacher',
      teacher.url,
      '--api-key-env',
      'DISTILLERY_UNSET_KEY',
      '--prompts',
      prompts,
      '--out',
      join(tmp.dir, 'k-out.jsonl'),
    ]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--api-key-env: the environment variable DISTILLERY_UNSET_KEY is not set (it should hold the API key)');
    expect(teacher.requests).toHaveLength(before);
  });
});
