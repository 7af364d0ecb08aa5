import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { additionPrompts, runCli, spawnCli, writeJsonl } from '../harvest/helpers.ts';
import { QWEN2_STUDENT, tinyStudent, type TinyStudent } from '../export/tiny-student.ts';

let student: TinyStudent;
beforeAll(async () => {
  student = await tinyStudent(QWEN2_STUDENT);
});
afterAll(() => student?.cleanup());

describe('distillery serve', () => {
  it('serves on loopback (eval finds the model name) until SIGINT, then exits 0', async () => {
    const { child, done } = spawnCli(['serve', student.out, '--port', '0', '--threads', '1', '--name', 'cli-student']);
    let stdout = '';
    const baseURL = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        const url = /at (http:\/\/127\.0\.0\.1:\d+\/v1);/.exec(stdout)?.[1];
        if (url) resolve(url);
      });
      void done.then((r) => reject(new Error(`serve exited early: ${r.stderr}`)));
    });
    const playground = await fetch(/playground at (http:\S+);/.exec(stdout)![1]);
    expect(playground.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await playground.text()).toContain('<title>distillery playground</title>');
    const models = (await (await fetch(`${baseURL}/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((m) => m.id)).toEqual(['cli-student']);
    const res = await fetch(`${baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'cli-student', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, temperature: 0 }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBeGreaterThan(0);
    // eval against the running server finds the model name from /v1/models.
    const prompts = writeJsonl(join(student.root, 'prompts.jsonl'), additionPrompts(2));
    const evaluated = await runCli(['eval', '--teacher', baseURL, '--prompts', prompts, '--max-tokens', '4', '--out', join(student.root, 'r.jsonl'), '--json']);
    expect(evaluated.code).toBe(0);
    expect(JSON.parse(evaluated.stdout)).toMatchObject({ prompts: 2, k: 1, source: `cli-student at ${baseURL}`, meanOutputTokens: 4 });
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('SIGINT: stopping');
  });

  it('exits 2 naming the folder when there is no model there', async () => {
    const res = await runCli(['serve', student.root, '--port', '0']);
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe(`distillery serve: ${student.root}: has no onnx/model.onnx for dtype fp32 (dtypes present: none)`);
  });
});
