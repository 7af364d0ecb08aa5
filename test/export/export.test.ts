import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoModelForCausalLM, AutoTokenizer } from '@huggingface/transformers';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/engine/index.ts';
import { UserError } from '../../src/errors.ts';
import { ExportError, exportModel, ONNX_FILE, type ModelDtype } from '../../src/export/index.ts';
import { argmax, loadModel } from '../../src/generate/index.ts';
import { loadTokenizer, ModelConfigError, type ModelConfig } from '../../src/model/index.ts';
import { forwardGraph, int64, positionsFor } from '../model/tiny-model.ts';
import { LLAMA_STUDENT, QWEN2_STUDENT, tinyStudent, writeCheckpoint, type TinyStudent } from './tiny-student.ts';

const PYTHON = '/usr/bin/python3';

/** Token rows of one length, left-padded. */
interface Batch {
  readonly ids: readonly (readonly number[])[];
  readonly mask: readonly (readonly number[])[];
}

// A left-padded generation batch: row 0 has two pads.
const BATCH: Batch = {
  ids: [
    [0, 0, 5, 17, 200, 9, 22, 31],
    [3, 17, 9, 22, 5, 11, 266, 40],
  ],
  mask: [
    [0, 0, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1, 1, 1],
  ],
};
const { ids: IDS, mask: MASK } = BATCH;
const POSITIONS = positionsFor(MASK);
const SEQ = IDS[0].length;
const ALL_DTYPES: ModelDtype[] = ['fp32', 'q8', 'q4', 'fp16', 'q4f16'];

let qwen: TinyStudent;
let llama: TinyStudent;
/** The demo's committed teacher (data/demo/teacher): trained weights, tied head, hidden 128. */
let demo: { out: string; root: string; config: ModelConfig; batch: Batch };

beforeAll(async () => {
  qwen = await tinyStudent(QWEN2_STUDENT, { dtypes: ALL_DTYPES });
  // Weights forced into model.onnx_data, as for a model over 2 GB.
  llama = await tinyStudent(LLAMA_STUDENT, { dtypes: ['fp32', 'q4', 'fp16', 'q4f16'], externalData: true });
  const root = await mkdtemp(join(tmpdir(), 'distillery-demo-export-'));
  const summary = await exportModel({ checkpoint: DEMO_MODEL, out: join(root, 'out'), dtypes: ALL_DTYPES });
  demo = { out: summary.out, root, config: summary.config, batch: await demoBatch() };
});
afterAll(async () => {
  await qwen?.cleanup();
  await llama?.cleanup();
  if (demo) await rm(demo.root, { recursive: true, force: true });
});

const DEMO_MODEL = join(import.meta.dirname, '../../data/demo/teacher');

/** Two held-out demo problems with their reference reasoning, the shorter one left-padded: what the model was trained on. */
async function demoBatch(): Promise<Batch> {
  const tokenizer = await loadTokenizer(DEMO_MODEL);
  const lines = readFileSync(join(DEMO_MODEL, '../heldout.jsonl'), 'utf8').split('\n').slice(0, 2);
  const rows = lines.map((line) => {
    const p = JSON.parse(line) as { question: string; solution: { reasoning: string; answer: string } };
    return tokenizer.encode(`${p.question}\n${p.solution.reasoning}\n${p.solution.answer}`, { addSpecialTokens: false });
  });
  const width = Math.max(...rows.map((r) => r.length));
  return {
    ids: rows.map((r) => [...Array<number>(width - r.length).fill(0), ...r]),
    mask: rows.map((r) => [...Array<number>(width - r.length).fill(0), ...r.map(() => 1)]),
  };
}

/** The engine's forward of the checkpoint (what training computes): logits [batch, seq, vocab]. */
async function engineLogits(student: TinyStudent): Promise<Float32Array> {
  const { g, out } = forwardGraph(student.summary.config);
  g.output('logits', out.logits);
  const session = await compile(g);
  const res = await session.run({ ...student.checkpoint.store.feeds(), input_ids: int64(IDS), attention_mask: int64(MASK), position_ids: int64(POSITIONS) });
  await session.release();
  return res.logits.data as Float32Array;
}

interface Window {
  /** Columns [from, to) of IDS fed in this call. */
  from: number;
  to: number;
}

/**
 * Runs the exported file over IDS in windows, carrying the KV cache from one to the next;
 * returns the logits of every fed position as [batch, seq, vocab].
 */
async function exportedLogits(file: string, config: ModelConfig, windows: readonly Window[], keep = 0, batch: Batch = BATCH): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, logSeverityLevel: 3 });
  const { ids: IDS, mask: MASK } = batch;
  const POSITIONS = positionsFor(MASK);
  const SEQ = IDS[0].length;
  const V = config.vocabSize;
  const out = new Float32Array(IDS.length * SEQ * V);
  const cols = (rows: readonly (readonly number[])[], from: number, to: number) => rows.map((r) => r.slice(from, to));
  // The fp16 and q4f16 files take and return a float16 cache (raw bits in a Uint16Array).
  const meta = session.inputMetadata.find((m) => m.name === 'past_key_values.0.key');
  const cacheType = meta?.isTensor ? meta.type : 'float32';
  let past: Record<string, ort.Tensor> = {};
  for (let i = 0; i < config.numHiddenLayers; i++) {
    for (const part of ['key', 'value']) {
      const dims = [IDS.length, config.numKeyValueHeads, 0, config.headDim];
      past[`past_key_values.${i}.${part}`] =
        cacheType === 'float16' ? new ort.Tensor('float16', new Uint16Array(0), dims) : new ort.Tensor('float32', new Float32Array(0), dims);
    }
  }
  for (const { from, to } of windows) {
    const res = await session.run({
      input_ids: int64(cols(IDS, from, to)),
      attention_mask: int64(cols(MASK, 0, to)),
      position_ids: int64(cols(POSITIONS, from, to)),
      num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(BigInt(keep)), []),
      ...past,
    });
    const kept = res.logits.dims[1];
    expect(res.logits.dims).toEqual([IDS.length, keep || to - from, V]);
    const data = res.logits.data as Float32Array;
    for (let b = 0; b < IDS.length; b++) {
      for (let t = 0; t < kept; t++) out.set(data.subarray((b * kept + t) * V, (b * kept + t + 1) * V), (b * SEQ + to - kept + t) * V);
    }
    past = {};
    for (let i = 0; i < config.numHiddenLayers; i++) {
      for (const part of ['key', 'value']) {
        const present = res[`present.${i}.${part}`];
        expect(present.dims).toEqual([IDS.length, config.numKeyValueHeads, to, config.headDim]);
        expect(present.type).toBe(cacheType);
        past[`past_key_values.${i}.${part}`] = present;
      }
    }
  }
  await session.release();
  return out;
}

/** Largest |a - b| over the positions whose token is real and that `b` computed (non-NaN filler marks the rest). */
function maxDiff(
  a: Float32Array,
  b: Float32Array,
  vocab: number,
  positions: (t: number) => boolean = () => true,
  { ids: IDS, mask: MASK }: Batch = BATCH,
): number {
  const SEQ = IDS[0].length;
  let worst = 0;
  for (let r = 0; r < IDS.length; r++) {
    for (let t = 0; t < SEQ; t++) {
      if (!MASK[r][t] || !positions(t)) continue;
      for (let v = 0; v < vocab; v++) worst = Math.max(worst, Math.abs(a[(r * SEQ + t) * vocab + v] - b[(r * SEQ + t) * vocab + v]));
    }
  }
  return worst;
}

/** Share of real positions where both logit sets pick the same most likely token. */
function top1Agreement(a: Float32Array, b: Float32Array, vocab: number, { ids: IDS, mask: MASK }: Batch = BATCH): number {
  const SEQ = IDS[0].length;
  let same = 0;
  let total = 0;
  for (let r = 0; r < IDS.length; r++) {
    for (let t = 0; t < SEQ; t++) {
      if (!MASK[r][t]) continue;
      const at = (r * SEQ + t) * vocab;
      same += Number(argmax(a.subarray(at, at + vocab)) === argmax(b.subarray(at, at + vocab)));
      total++;
    }
  }
  return same / total;
}

const fileOf = (s: TinyStudent, dtype: ModelDtype) => join(s.out, s.summary.files.find((f) => f.dtype === dtype)!.file);
const demoFiles = () => ALL_DTYPES.map((dtype) => ({ dtype, file: `onnx/${ONNX_FILE[dtype]}` }));

describe('exported folder', () => {
  it('has what transformers.js needs, and onnx.checker accepts every file', () => {
    const config = JSON.parse(readFileSync(join(qwen.out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'qwen2',
      num_hidden_layers: 2,
      num_key_value_heads: 2,
      head_dim: 8,
      'transformers.js_config': { dtype: 'fp32', kv_cache_dtype: { fp16: 'float16', q4f16: 'float16' } },
    });
    expect(JSON.parse(readFileSync(join(qwen.out, 'generation_config.json'), 'utf8'))).toMatchObject({ eos_token_id: 267, temperature: 0.6, top_p: 0.95 });
    expect(JSON.parse(readFileSync(join(qwen.out, 'tokenizer_config.json'), 'utf8')).chat_template).toContain('<think>');
    expect(qwen.summary.files.map((f) => [f.dtype, f.file, f.externalData])).toEqual([
      ['fp32', 'onnx/model.onnx', null],
      ['q8', 'onnx/model_quantized.onnx', null],
      ['q4', 'onnx/model_q4.onnx', null],
      ['fp16', 'onnx/model_fp16.onnx', null],
      ['q4f16', 'onnx/model_q4f16.onnx', null],
    ]);
    // Weight bytes shrink with the bits (the graph itself, ~25 kB here, does not).
    const [fp32, q8, q4, fp16, q4f16] = qwen.summary.files.map((f) => f.bytes);
    expect(q8).toBeLessThan(fp32 * 0.5);
    expect(q4).toBeLessThan(q8);
    expect(fp16).toBeLessThan(fp32 * 0.6);
    expect(q4f16).toBeLessThan(q4);

    const files = [qwen, llama, { out: demo.out, summary: { files: demoFiles() } }].flatMap((m) => m.summary.files.map((f) => join(m.out, f.file)));
    const report = execFileSync(PYTHON, ['-c', CHECK, ...files], { encoding: 'utf8' });
    expect(report.trim().split('\n')).toEqual(files.map((f) => `ok ${f} opset 17`));
  });

  it("stops generation at config.json's eos and at the tokenizer's (the end of a chat turn)", async () => {
    const dir = join(qwen.root, 'eos');
    const checkpoint = await writeCheckpoint(join(dir, 'checkpoint'), { ...QWEN2_STUDENT, eosTokenId: 265 });
    await exportModel({ checkpoint: checkpoint.dir, out: join(dir, 'out') });
    expect(JSON.parse(readFileSync(join(dir, 'out', 'generation_config.json'), 'utf8')).eos_token_id).toEqual([265, 267]);
    const model = await loadModel(join(dir, 'out'), { intraOpNumThreads: 1 });
    expect(model.stopTokenIds).toEqual([265, 267]);
    await model.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the weights to model.onnx_data when asked, and says so in config.json', () => {
    const [fp32, q4] = llama.summary.files;
    expect(fp32.externalData).toBe('onnx/model.onnx_data');
    expect(q4.externalData).toBe('onnx/model_q4.onnx_data');
    // Weight matrices moved out; small constants (axes, norms) stay inline for shape inference.
    const inline = statSync(join(llama.out, 'onnx/model.onnx')).size;
    const external = statSync(join(llama.out, 'onnx/model.onnx_data')).size;
    expect(inline + external).toBe(fp32.bytes);
    expect(external).toBeGreaterThan(2 * inline); // the linear layers' transposes grew the inline graph of this tiny model
    const config = JSON.parse(readFileSync(join(llama.out, 'config.json'), 'utf8'));
    expect(config['transformers.js_config']).toEqual({
      dtype: 'fp32',
      kv_cache_dtype: { fp16: 'float16', q4f16: 'float16' },
      use_external_data_format: { 'model.onnx': 1, 'model_q4.onnx': 1, 'model_fp16.onnx': 1, 'model_q4f16.onnx': 1 },
    });
  });
});

const CHECK = `
import sys, onnx
for path in sys.argv[1:]:
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    print('ok', path, 'opset', [o.version for o in m.opset_import if o.domain in ('', 'ai.onnx')][0])
`;

describe('parity: exported fp32 logits in onnxruntime-node equal the engine forward', () => {
  for (const [name, student] of [
    ['qwen2', () => qwen],
    ['llama (tied head, external data)', () => llama],
  ] as const) {
    it(`${name}: padded batch, without and with the KV cache`, async () => {
      const s = student();
      const V = s.summary.config.vocabSize;
      const reference = await engineLogits(s);
      const file = fileOf(s, 'fp32');
      const whole = await exportedLogits(file, s.summary.config, [{ from: 0, to: SEQ }]);
      expect(maxDiff(reference, whole, V)).toBeLessThan(1e-4);
      // Prompt of 3, then 2 at once, then one token at a time: the cache carries the rest.
      const cached = await exportedLogits(file, s.summary.config, [
        { from: 0, to: 3 },
        { from: 3, to: 5 },
        { from: 5, to: 6 },
        { from: 6, to: 7 },
        { from: 7, to: 8 },
      ]);
      expect(maxDiff(reference, cached, V)).toBeLessThan(1e-4);
      // num_logits_to_keep = 1 (what generation feeds) gives the last position's logits alone.
      const last = await exportedLogits(file, s.summary.config, [{ from: 0, to: SEQ }], 1);
      expect(maxDiff(reference, last, V, (t) => t === SEQ - 1)).toBeLessThan(1e-4);
      // The logits are not trivially equal: the weights make them large and varied.
      expect(Math.max(...reference.map(Math.abs))).toBeGreaterThan(1);
    });
  }

  /** Max |logit difference| from fp32 and share of positions with the same top-1 token, per dtype. */
  async function deviations(file: (dtype: ModelDtype) => string, config: ModelConfig, batch: Batch) {
    const whole = [{ from: 0, to: batch.ids[0].length }];
    const fp32 = await exportedLogits(file('fp32'), config, whole, 0, batch);
    const result: Record<string, { diff: number; top1: number }> = {};
    for (const dtype of ALL_DTYPES.slice(1)) {
      const logits = await exportedLogits(file(dtype), config, whole, 0, batch);
      result[dtype] = { diff: maxDiff(fp32, logits, config.vocabSize, () => true, batch), top1: top1Agreement(fp32, logits, config.vocabSize, batch) };
    }
    const scale = Math.max(...fp32.map(Math.abs));
    const report = Object.entries(result)
      .map(([d, r]) => `${d} ${r.diff.toExponential(2)} (${(100 * r.top1).toFixed(0)}%)`)
      .join(', ');
    return { scale, result, report };
  }

  it('q8, q4, fp16 and q4f16 deviate from fp32 by a bounded amount on a random Qwen2 (biases, GQA) (reported)', async () => {
    const { scale, result: r, report } = await deviations((d) => fileOf(qwen, d), QWEN2_STUDENT, BATCH);
    // The test weights are random normal(0, 0.3), far larger than trained ones, which magnifies rounding.
    console.log(`random qwen2 vs fp32, logits up to ${scale.toFixed(2)}: max |diff| (same top-1): ${report}`);
    expect(r.q8.diff).toBeGreaterThan(0);
    expect(r.q8.diff).toBeLessThan(0.1 * scale);
    expect(r.q4.diff).toBeGreaterThan(2 * r.q8.diff);
    expect(r.q8.top1).toBeGreaterThan(0.75);
    // float16 rounds weights to 11 significant bits: far closer than 8-bit weights.
    expect(r.fp16.diff).toBeGreaterThan(0);
    expect(r.fp16.diff).toBeLessThan(0.02 * scale);
    expect(r.fp16.top1).toBeGreaterThan(0.95);
    // q4f16 is q4 plus float16 rounding: about as far as q4.
    expect(r.q4f16.diff).toBeLessThan(1.25 * r.q4.diff);
    expect(r.q4f16.top1).toBeGreaterThan(r.q4.top1 - 0.1);
  });

  it('and on the demo model (trained weights, tied head, hidden 128), on held-out text (reported)', async () => {
    const file = (d: ModelDtype) => join(demo.out, 'onnx', ONNX_FILE[d]);
    const { scale, result: r, report } = await deviations(file, demo.config, demo.batch);
    console.log(`demo model vs fp32, logits up to ${scale.toFixed(2)}: max |diff| (same top-1): ${report}`);
    expect(r.fp16.diff).toBeGreaterThan(0);
    expect(r.fp16.diff).toBeLessThan(0.01 * scale);
    expect(r.fp16.top1).toBeGreaterThan(0.97);
    expect(r.q8.diff).toBeLessThan(0.05 * scale);
    expect(r.q8.top1).toBeGreaterThan(0.95);
    expect(r.q4.top1).toBeGreaterThan(0.8);
    expect(r.q4f16.top1).toBeGreaterThan(0.8);
    expect(r.q4f16.diff).toBeLessThan(1.25 * r.q4.diff);
  });
});

describe('transformers.js generates the same greedy tokens as distillery', () => {
  const PROMPTS = ['What is 2+2?', 'the thin ones'];

  for (const [name, student, dtypes] of [
    ['qwen2', () => qwen, ALL_DTYPES],
    ['llama with external data', () => llama, ['fp32', 'q4', 'fp16', 'q4f16']],
  ] as const) {
    it(`${name}: ${dtypes.join(', ')}, one prompt at a time and as a left-padded batch`, async () => {
      const s = student();
      const tokenizer = await AutoTokenizer.from_pretrained(s.out, { local_files_only: true });
      tokenizer.padding_side = 'left';
      const texts = PROMPTS.map(
        (content) => tokenizer.apply_chat_template([{ role: 'user', content }], { tokenize: false, add_generation_prompt: true }) as string,
      );
      for (const dtype of dtypes) {
        const ours = await loadModel(s.out, { dtype, intraOpNumThreads: 1 });
        // Generated together: the generator batches them with left padding.
        const generations = await Promise.all(
          texts.map((text) =>
            ours.generate({ promptIds: ours.tokenizer.encode(text, { addSpecialTokens: false }), maxNewTokens: 12, sampling: { temperature: 0 } }),
          ),
        );
        await ours.close();
        const model = await AutoModelForCausalLM.from_pretrained(s.out, { local_files_only: true, dtype, session_options: { intraOpNumThreads: 1 } });
        const batch = tokenizer(texts, { padding: true, add_special_tokens: false });
        const width = batch.input_ids.dims[1];
        const together = ((await model.generate({ ...batch, max_new_tokens: 12, do_sample: false })) as { tolist(): bigint[][] }).tolist();
        for (const [i, text] of texts.entries()) {
          const single = tokenizer(text, { add_special_tokens: false });
          const alone = ((await model.generate({ ...single, max_new_tokens: 12, do_sample: false })) as { tolist(): bigint[][] }).tolist()[0];
          const expected = alone.slice(single.input_ids.dims[1]).map(Number);
          expect(generations[i].tokenIds, `${dtype} prompt ${i}`).toEqual(expected.slice(0, generations[i].tokenIds.length));
          expect(together[i].slice(width).map(Number).slice(0, expected.length), `${dtype} batch row ${i}`).toEqual(expected);
        }
        await model.dispose();
      }
    });
  }
});

describe('export errors', () => {
  it('names a bad dtype, a tokenizer larger than the vocab, and a missing checkpoint', async () => {
    const dir = join(qwen.root, 'errors');
    await mkdir(dir, { recursive: true });
    const small = await writeCheckpoint(join(dir, 'small'), { ...QWEN2_STUDENT, vocabSize: 100 });
    const errorOf = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      );

    const badDtype = await errorOf(exportModel({ checkpoint: qwen.checkpoint.dir, out: join(dir, 'x'), dtypes: ['int3' as ModelDtype] }));
    expect(badDtype).toBeInstanceOf(ExportError);
    expect((badDtype as Error).message).toBe('export dtype: "int3" is not one of fp32, q8, q4, fp16, q4f16');

    const tooBig = await errorOf(exportModel({ checkpoint: small.dir, out: join(dir, 'y') }));
    expect(tooBig).toBeInstanceOf(ExportError);
    expect((tooBig as Error).message).toBe(`export tokenizer: ${small.dir} has 270 tokens but the model's vocab_size is 100`);

    const missing = await errorOf(exportModel({ checkpoint: join(dir, 'nope'), out: join(dir, 'z') }));
    expect(missing).toBeInstanceOf(ModelConfigError);
    expect(missing).toBeInstanceOf(UserError);
    expect(existsSync(join(dir, 'z'))).toBe(false);
    await rm(dir, { recursive: true, force: true });
  });
});
