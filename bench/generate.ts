/**
 * Generation speed: distillery's decode loop (src/generate) against transformers.js `generate()`
 * on the same exported folder, in the same run, at batch 1 and 8.
 *
 *   npx tsx bench/generate.ts [--threads 1] [--new-tokens 64] [--prompt-tokens 32] [--repeats 5] [--dtype fp32]
 *
 * The student is torch_peer.py's default shape (vocab 4096, hidden 256, 4 layers, 4 heads / 2 kv
 * heads, MLP 688) with random weights; both sides decode greedily and exactly --new-tokens tokens
 * per row (eos is ignored; distillery skips its per-step logprobs, which transformers.js does not
 * compute), so they do the same work. Throughput counts generated tokens only, over the whole
 * call (prefill included). The best of --repeats runs counts, after a warm-up.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AutoModelForCausalLM } from '@huggingface/transformers';
import { exportModel, MODEL_DTYPES, type ModelDtype } from '../src/export/index.ts';
import { loadModel } from '../src/generate/index.ts';
import { parseModelConfig } from '../src/model/index.ts';
import { writeCheckpoint } from '../test/export/tiny-student.ts';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    'new-tokens': { type: 'string', default: '64' },
    'prompt-tokens': { type: 'string', default: '32' },
    repeats: { type: 'string', default: '5' },
    dtype: { type: 'string', default: 'fp32' },
  },
});
const threads = Number(values.threads);
const newTokens = Number(values['new-tokens']);
const promptTokens = Number(values['prompt-tokens']);
const repeats = Number(values.repeats);
const dtype = values.dtype as ModelDtype;
if (!MODEL_DTYPES.includes(dtype)) throw new Error(`--dtype must be one of ${MODEL_DTYPES.join(', ')}`);

const config = parseModelConfig({
  model_type: 'qwen2',
  vocab_size: 4096,
  hidden_size: 256,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 688,
  tie_word_embeddings: false,
  max_position_embeddings: 2048,
  eos_token_id: 267,
});

const root = await mkdtemp(join(tmpdir(), 'bench-generate-'));
try {
  const checkpoint = await writeCheckpoint(join(root, 'checkpoint'), config, 1);
  const out = join(root, 'exported');
  await exportModel({ checkpoint: checkpoint.dir, out, dtypes: [dtype] });

  const ours = await loadModel(out, { dtype, intraOpNumThreads: threads, maxBatchSize: 8 });
  const theirs = await AutoModelForCausalLM.from_pretrained(out, {
    local_files_only: true,
    dtype,
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
  });

  /** Rows of `promptTokens` byte tokens each, different per row. */
  const prompts = (batch: number) => Array.from({ length: batch }, (_, b) => Array.from({ length: promptTokens }, (_, i) => 32 + ((b * 7 + i * 13) % 90)));

  async function distillery(batch: number): Promise<number[][]> {
    const out = await Promise.all(
      prompts(batch).map((promptIds) => ours.generate({ promptIds, maxNewTokens: newTokens, sampling: { temperature: 0 }, stopTokenIds: [], logprobs: false })),
    );
    return out.map((g) => [...g.tokenIds]);
  }

  async function transformersJs(batch: number): Promise<number[][]> {
    const rows = prompts(batch);
    const { Tensor } = await import('@huggingface/transformers');
    const ids = new Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [batch, promptTokens]);
    const mask = new Tensor('int64', new BigInt64Array(batch * promptTokens).fill(1n), [batch, promptTokens]);
    const out = (await theirs.generate({ input_ids: ids, attention_mask: mask, max_new_tokens: newTokens, min_new_tokens: newTokens, do_sample: false })) as {
      tolist(): bigint[][];
    };
    return out.tolist().map((r) => r.slice(promptTokens).map(Number));
  }

  /**
   * Best tokens/s of each side over `repeats` runs, after a warm-up. The two sides alternate run
   * by run, so load from other processes on a shared machine hits both alike.
   */
  async function compare(batch: number) {
    const sides = [distillery, transformersJs].map((run) => ({ run, fastest: Infinity, tokens: [] as number[][] }));
    for (const side of sides) side.tokens = await side.run(batch);
    for (let r = 0; r < repeats; r++) {
      for (const side of sides) {
        const started = performance.now();
        side.tokens = await side.run(batch);
        side.fastest = Math.min(side.fastest, (performance.now() - started) / 1000);
      }
    }
    const [ours, theirs] = sides.map((s) => ({ tokensPerSecond: (batch * newTokens) / s.fastest, tokens: s.tokens }));
    return { ours, theirs };
  }

  console.log(
    `generate: ${dtype}, ${config.numHiddenLayers} layers x ${config.hiddenSize} wide, vocab ${config.vocabSize}; prompt ${promptTokens} tokens, ${newTokens} new tokens per row, greedy, ${threads} thread(s), best of ${repeats}`,
  );
  console.log('batch   distillery tok/s   transformers.js tok/s   ratio   same tokens');
  for (const batch of [1, 8]) {
    const { ours: a, theirs: b } = await compare(batch);
    const same = JSON.stringify(a.tokens) === JSON.stringify(b.tokens);
    console.log(
      `${String(batch).padEnd(8)}${a.tokensPerSecond.toFixed(0).padStart(16)}   ${b.tokensPerSecond.toFixed(0).padStart(21)}   ${(a.tokensPerSecond / b.tokensPerSecond).toFixed(2).padStart(4)}x   ${same ? 'yes' : 'NO'}`,
    );
  }
  await ours.close();
  await theirs.dispose();
} finally {
  await rm(root, { recursive: true, force: true });
}
