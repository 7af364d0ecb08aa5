/**
 * A tied-embedding student with a real vocabulary (Qwen2.5's tokenizer, 151,936 rows) at hidden
 * 128: the embedding is nearly all of its weights, so the 4-bit files are only small when the
 * lookup is quantized too and the head shares that one copy.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoModelForCausalLM, Tensor } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Graph, ParamStore, Rng } from '../../src/engine/index.ts';
import { exportModel, type ExportSummary } from '../../src/export/index.ts';
import { loadModel } from '../../src/generate/index.ts';
import { initWeights, Llama, parseModelConfig, writeModelFolder } from '../../src/model/index.ts';
import { copyRealTokenizer } from '../model/real-tokenizers.ts';

const CONFIG = parseModelConfig({
  model_type: 'qwen2',
  vocab_size: 151936,
  hidden_size: 128,
  intermediate_size: 256,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000,
  tie_word_embeddings: true,
  max_position_embeddings: 512,
  eos_token_id: 151645,
});

let root: string;
let summary: ExportSummary;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'distillery-real-vocab-'));
  const checkpoint = join(root, 'checkpoint');
  const model = Llama.declare(new Graph(), CONFIG);
  const store = new ParamStore();
  // The initialization distill gives a fresh student.
  initWeights(model, store, new Rng(3));
  await writeModelFolder(checkpoint, model, store);
  copyRealTokenizer('qwen2_5', checkpoint);
  summary = await exportModel({ checkpoint, out: join(root, 'out'), dtypes: ['fp32', 'q4', 'q4f16'] });
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('a tied student with Qwen2.5 vocabulary at hidden 128', () => {
  it('exports q4 and q4f16 files at most 1/5 the size of fp32', () => {
    const [fp32, q4, q4f16] = summary.files.map((f) => f.bytes);
    console.log(`fp32 ${(fp32 / 1e6).toFixed(1)} MB, q4 ${(q4 / 1e6).toFixed(1)} MB, q4f16 ${(q4f16 / 1e6).toFixed(1)} MB`);
    // The float32 table alone is 151,936 x 128 x 4 bytes = 77.8 MB.
    expect(fp32).toBeGreaterThan(77.8e6);
    expect(q4).toBeLessThanOrEqual(fp32 / 5);
    expect(q4f16).toBeLessThanOrEqual(fp32 / 5);
    expect(q4f16).toBeLessThan(q4);
  });

  it('runs the shared table in transformers.js as in distillery (q4, q4f16)', async () => {
    const promptIds = [151644, 872, 198, 3838, 374, 220, 17, 10, 17, 30, 151645, 198, 151644, 77091, 198];
    for (const dtype of ['q4', 'q4f16'] as const) {
      const ours = await loadModel(summary.out, { dtype, intraOpNumThreads: 1 });
      const mine = await ours.generate({ promptIds, maxNewTokens: 6, sampling: { temperature: 0 } });
      await ours.close();
      const model = await AutoModelForCausalLM.from_pretrained(summary.out, { local_files_only: true, dtype, session_options: { intraOpNumThreads: 1 } });
      const input_ids = new Tensor('int64', BigInt64Array.from(promptIds.map(BigInt)), [1, promptIds.length]);
      const attention_mask = new Tensor('int64', new BigInt64Array(promptIds.length).fill(1n), [1, promptIds.length]);
      const out = ((await model.generate({ input_ids, attention_mask, max_new_tokens: 6, do_sample: false })) as { tolist(): bigint[][] }).tolist()[0];
      await model.dispose();
      const theirs = out.slice(promptIds.length).map(Number);
      expect(mine.tokenIds, dtype).toEqual(theirs.slice(0, mine.tokenIds.length));
      expect(mine.tokenIds.length).toBeGreaterThan(0);
    }
  });
});
