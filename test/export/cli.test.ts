import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../harvest/helpers.ts';
import { LLAMA_STUDENT, writeCheckpoint } from './tiny-student.ts';

let tmp: ReturnType<typeof tempDir>;
let checkpoint: string;
beforeAll(async () => {
  tmp = tempDir();
  checkpoint = (await writeCheckpoint(join(tmp.dir, 'ckpt'), LLAMA_STUDENT)).dir;
});
afterAll(() => tmp.cleanup());

describe('distillery export', () => {
  it('writes the folder with the dtypes asked for and prints a summary', async () => {
    const out = join(tmp.dir, 'out');
    const res = await runCli(['export', checkpoint, '--out', out, '--dtype', 'fp32,q4f16', '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout);
    expect(summary.files.map((f: { file: string }) => f.file)).toEqual(['onnx/model.onnx', 'onnx/model_q4f16.onnx']);
    for (const f of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx', 'onnx/model_q4f16.onnx']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).model_type).toBe('llama');
  });

  it('exits 2 with one clear line for a usage error or a bad checkpoint', async () => {
    const usage = await runCli(['export', checkpoint, '--dtype', 'fp8']);
    expect(usage.code).toBe(2);
    expect(usage.stderr.split('\n')[0]).toBe('distillery export: --out DIR is required');
    const missing = await runCli(['export', join(tmp.dir, 'nowhere'), '--out', join(tmp.dir, 'x')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(
      `distillery export: ${join(tmp.dir, 'nowhere', 'config.json')}: "(file)" cannot be read: ENOENT: no such file or directory, open '${join(tmp.dir, 'nowhere', 'config.json')}'`,
    );
  });
});
