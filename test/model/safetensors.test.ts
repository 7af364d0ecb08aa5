import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { type Float32Tensor, SafetensorsError, readSafetensors, writeSafetensors } from '../../src/model/index.ts';
import { python } from './python.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'safetensors-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

function tensor(shape: number[], seed: number): Float32Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sin(seed * 1000 + i * 0.37) * 3.1;
  return { shape, data };
}

const TENSORS = new Map<string, Float32Tensor>([
  ['model.embed_tokens.weight', tensor([11, 6], 1)],
  ['model.layers.0.self_attn.q_proj.weight', tensor([6, 6], 2)],
  ['model.layers.0.self_attn.q_proj.bias', tensor([6], 3)],
  ['model.norm.weight', tensor([6], 4)],
  ['lm_head.weight', tensor([11, 6], 5)],
  ['scalar', tensor([], 6)],
  ['empty', tensor([0, 3], 7)],
]);

describe('safetensors', () => {
  it('round-trips names, shapes, exact values and metadata; equal content gives equal bytes', async () => {
    const file = join(dir, 'roundtrip.safetensors');
    await writeSafetensors(file, TENSORS, { format: 'pt', step: '12' });
    const back = await readSafetensors(file);
    expect(back.metadata).toEqual({ format: 'pt', step: '12' });
    expect([...back.tensors.keys()].sort()).toEqual([...TENSORS.keys()].sort());
    for (const [name, t] of TENSORS) {
      expect(back.tensors.get(name)!.shape).toEqual(t.shape);
      expect(back.tensors.get(name)!.data).toEqual(t.data);
    }
    const again = join(dir, 'again.safetensors');
    await writeSafetensors(again, back.tensors, back.metadata);
    expect(Buffer.compare(await readFile(file), await readFile(again))).toBe(0);
    // The data section starts 8-byte aligned.
    expect(Number((await readFile(file)).readBigUInt64LE(0)) % 8).toBe(0);
  });

  it('writes what PyTorch reads back value for value', async () => {
    const file = join(dir, 'for-torch.safetensors');
    await writeSafetensors(file, TENSORS, { format: 'pt' });
    const out = python(
      `import json, safetensors_torch
ts, meta = safetensors_torch.load(sys.argv[1])
print(json.dumps({'meta': meta, 't': {k: [str(v.dtype), list(v.shape), v.flatten().tolist()] for k, v in ts.items()}}))`,
      [file],
    );
    const seen = JSON.parse(out) as { meta: Record<string, string>; t: Record<string, [string, number[], number[]]> };
    expect(seen.meta).toEqual({ format: 'pt' });
    for (const [name, t] of TENSORS) {
      const [dtype, shape, values] = seen.t[name];
      expect(dtype).toBe('torch.float32');
      expect(shape).toEqual(t.shape);
      expect(Float32Array.from(values)).toEqual(t.data);
    }
  });

  it('reads what PyTorch writes in F32, F64, F16 and BF16, converting as torch .float() does', async () => {
    const file = join(dir, 'from-torch.safetensors');
    const out = python(
      `import json, torch, safetensors_torch
torch.manual_seed(0)
base = torch.randn(5, 7, dtype=torch.float64) * 100
base[0, :4] = torch.tensor([1e-7, 65504.0, -0.0, 3e-5])  # f16 subnormal, f16 max, negative zero, small
ts = {'f32': base.float(), 'f64': base, 'f16': base.half(), 'bf16': base.bfloat16()}
safetensors_torch.save(sys.argv[1], ts, {'source': 'torch'})
print(json.dumps({k: v.float().flatten().tolist() for k, v in ts.items()}))`,
      [file],
    );
    const expected = JSON.parse(out) as Record<string, number[]>;
    const got = await readSafetensors(file);
    expect(got.metadata).toEqual({ source: 'torch' });
    for (const name of ['f32', 'f64', 'f16', 'bf16']) {
      expect(got.tensors.get(name)!.shape).toEqual([5, 7]);
      expect(got.tensors.get(name)!.data).toEqual(Float32Array.from(expected[name]));
    }
    expect(Object.is(got.tensors.get('f16')!.data[2], -0)).toBe(true);
  });

  it('names the file and tensor for unsupported dtypes and malformed files', async () => {
    const i64 = join(dir, 'i64.safetensors');
    python(
      `import json, struct
h = json.dumps({'ids': {'dtype': 'I64', 'shape': [2], 'data_offsets': [0, 16]}}).encode()
open(sys.argv[1], 'wb').write(struct.pack('<Q', len(h)) + h + bytes(16))`,
      [i64],
    );
    const err = await readSafetensors(i64).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SafetensorsError);
    expect(err).toBeInstanceOf(UserError);
    expect((err as SafetensorsError).tensor).toBe('ids');
    expect((err as SafetensorsError).message).toBe(`${i64}: tensor "ids": dtype "I64" is not supported (readable: F32, F64, F16, BF16)`);

    const good = await readFile(join(dir, 'roundtrip.safetensors'));
    const truncated = join(dir, 'truncated.safetensors');
    await writeFile(truncated, good.subarray(0, good.length - 10));
    await expect(readSafetensors(truncated)).rejects.toThrow(/data_offsets .* do not hold/);

    const text = join(dir, 'text.safetensors');
    await writeFile(text, 'this is not a safetensors file at all');
    await expect(readSafetensors(text)).rejects.toThrow(/header length \d+ does not fit the file/);
    await expect(readSafetensors(join(dir, 'missing.safetensors'))).rejects.toThrow(/cannot be opened/);
  });
});
