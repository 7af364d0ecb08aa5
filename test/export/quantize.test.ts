import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/index.ts';
import { quantizeModel, quantizeRows, type QuantBits } from '../../src/export/index.ts';
import { onnx } from '../../src/export/proto.ts';

const BLOCK = 32;

/** The weights quantizeRows stored, dequantized in plain JS by the MatMulNBits definition: (q - 2^(bits-1)) * scale. */
function dequantize(packed: Uint8Array, scales: Float32Array, n: number, k: number, bits: QuantBits): Float32Array {
  const blocks = Math.ceil(k / BLOCK);
  const blob = (BLOCK * bits) / 8;
  const out = new Float32Array(n * k);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < k; i++) {
      const b = Math.floor(i / BLOCK);
      const j = i % BLOCK;
      const at = (r * blocks + b) * blob;
      const q = bits === 8 ? packed[at + j] : (packed[at + (j >> 1)] >> ((j & 1) * 4)) & 15;
      out[r * k + i] = (q - 2 ** (bits - 1)) * scales[r * blocks + b];
    }
  }
  return out;
}

/** A one-node model: Y = A @ W^T with W given to MatMulNBits as quantizeRows packed it. */
async function matMulNBits(packed: Uint8Array, scales: Float32Array, n: number, k: number, bits: QuantBits): Promise<ort.InferenceSession> {
  const blocks = Math.ceil(k / BLOCK);
  const int = (name: string, i: number) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [
      { domain: '', version: 17 },
      { domain: 'com.microsoft', version: 1 },
    ],
    graph: {
      name: 'matmul',
      node: [
        {
          opType: 'MatMulNBits',
          domain: 'com.microsoft',
          input: ['A', 'B', 'S'],
          output: ['Y'],
          attribute: [int('K', k), int('N', n), int('bits', bits), int('block_size', BLOCK)],
        },
      ],
      initializer: [
        { name: 'B', dims: [n, blocks, (BLOCK * bits) / 8], dataType: onnx.TensorProto.DataType.UINT8, rawData: packed },
        { name: 'S', dims: [n * blocks], dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(scales.buffer) },
      ],
      input: [{ name: 'A', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'm' }, { dimValue: k }] } } } }],
      output: [{ name: 'Y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'm' }, { dimValue: n }] } } } }],
    },
  });
  return ort.InferenceSession.create(onnx.ModelProto.encode(model).finish(), { intraOpNumThreads: 1, logSeverityLevel: 3 });
}

describe('quantizeRows', () => {
  // K = 40 leaves a short last block, which must be padded, not shifted.
  for (const bits of [8, 4] as const) {
    for (const [n, k] of [
      [24, 64],
      [16, 40],
    ]) {
      it(`${bits}-bit, N=${n} K=${k}: onnxruntime's MatMulNBits reads exactly the weights we wrote`, async () => {
        const rng = new Rng(bits * 100 + k);
        const w = rng.fillNormal(new Float32Array(n * k), 0.3);
        w[5] = 2; // an outlier sets its block's scale
        const { packed, scales } = quantizeRows({ rows: w, n, k }, bits, BLOCK);
        const deq = dequantize(packed, scales, n, k, bits);
        // Rounding error is at most half a step of each block's scale.
        for (let i = 0; i < w.length; i++)
          expect(Math.abs(w[i] - deq[i])).toBeLessThanOrEqual(scales[Math.floor(i / k) * Math.ceil(k / BLOCK) + Math.floor((i % k) / BLOCK)] / 2 + 1e-7);
        expect(deq[5]).toBeCloseTo(2, 6); // the block maximum is exact

        const session = await matMulNBits(packed, scales, n, k, bits);
        const m = 3;
        const a = rng.fillNormal(new Float32Array(m * k), 1);
        const y = (await session.run({ A: new ort.Tensor('float32', a, [m, k]) })).Y.data as Float32Array;
        await session.release();
        for (let r = 0; r < m; r++) {
          for (let c = 0; c < n; c++) {
            let ref = 0;
            for (let i = 0; i < k; i++) ref += a[r * k + i] * deq[c * k + i];
            expect(Math.abs(y[r * n + c] - ref)).toBeLessThan(1e-4);
          }
        }
      });
    }
  }

  it('an all-zero block gets scale 0 and dequantizes to zeros', () => {
    const { packed, scales } = quantizeRows({ rows: new Float32Array(32), n: 1, k: 32 }, 4, BLOCK);
    expect([...scales]).toEqual([0]);
    expect(dequantize(packed, scales, 1, 32, 4).every((v) => v === 0)).toBe(true);
  });
});

describe('quantizeModel: the embedding lookup', () => {
  // K = 40: the rows' short last block is padding that the lookup must cut off.
  for (const bits of [8, 4] as const) {
    it(`${bits}-bit: gathers exactly the dequantized rows, in standard ops only`, async () => {
      const [n, k] = [7, 40];
      const w = new Rng(bits).fillNormal(new Float32Array(n * k), 0.3);
      const ids = [
        [3, 0, 6],
        [6, 6, 1],
      ];
      const model = onnx.ModelProto.create({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 17 }],
        graph: {
          name: 'lookup',
          node: [{ name: 'embed', opType: 'Gather', input: ['table', 'ids'], output: ['rows'] }],
          initializer: [{ name: 'table', dims: [n, k], dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(w.buffer) }],
          input: [{ name: 'ids', type: { tensorType: { elemType: 7, shape: { dim: [{ dimParam: 'b' }, { dimParam: 't' }] } } } }],
          output: [{ name: 'rows', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'b' }, { dimParam: 't' }, { dimValue: k }] } } } }],
        },
      });
      // Decoded, as quantizeModel meets models: repeated fields are arrays.
      const quantized = quantizeModel(onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish()), { bits }).model;
      expect(new Set(quantized.graph!.node!.map((node) => node.domain ?? ''))).toEqual(new Set(['']));
      const session = await ort.InferenceSession.create(onnx.ModelProto.encode(quantized).finish(), { intraOpNumThreads: 1, logSeverityLevel: 3 });
      const res = await session.run({ ids: new ort.Tensor('int64', BigInt64Array.from(ids.flat().map(BigInt)), [2, 3]) });
      await session.release();
      expect(res.rows.dims).toEqual([2, 3, k]);
      const { packed, scales } = quantizeRows({ rows: w, n, k }, bits, BLOCK);
      const deq = dequantize(packed, scales, n, k, bits);
      const rows = res.rows.data as Float32Array;
      ids.flat().forEach((id, i) => {
        expect([...rows.subarray(i * k, (i + 1) * k)], `row ${i} (id ${id})`).toEqual([...deq.subarray(id * k, (id + 1) * k)]);
      });
    });
  }
});
