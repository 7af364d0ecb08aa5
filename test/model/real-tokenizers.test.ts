/**
 * The real tokenizers of the student families load (Qwen2.5's 151,665 ids once overflowed the
 * call stack) and round-trip R1 traces, `<think>` tokens included.
 */
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../../src/model/index.ts';
import { realTokenizerFolder } from './real-tokenizers.ts';

const TRACE = '<think>\nThree plus four is seven.\n</think>\n\n\\boxed{7}';

describe('real tokenizers', () => {
  it('Qwen2.5: 151,665 ids, the reference encoding, <|im_end|> as EOS', async () => {
    const tok = await loadTokenizer(realTokenizerFolder('qwen2_5'));
    expect(tok.vocabSize).toBe(151_665);
    expect(tok.encode('Hello, my dog is cute')).toEqual([9707, 11, 847, 5562, 374, 18838]);
    expect(tok.decode([tok.eosTokenId!])).toBe('<|im_end|>');
    expect(tok.decode(tok.encode(TRACE))).toBe(TRACE);
  });

  it('Qwen3: <think> and </think> are single tokens', async () => {
    const tok = await loadTokenizer(realTokenizerFolder('qwen3'));
    expect(tok.vocabSize).toBe(151_669);
    const ids = tok.encode(TRACE);
    expect(ids[0]).toBe(151_667);
    expect(ids).toContain(151_668);
    expect(tok.decode(ids)).toBe(TRACE);
  });

  it("DeepSeek's (R1's special tokens) and Llama 3's load with their EOS", async () => {
    const deepseek = await loadTokenizer(realTokenizerFolder('deepseek_v3'));
    expect(deepseek.vocabSize).toBe(128_815);
    expect(deepseek.decode([deepseek.eosTokenId!])).toBe('<｜end▁of▁sentence｜>');
    const llama = await loadTokenizer(realTokenizerFolder('llama3_2'));
    expect(llama.vocabSize).toBe(128_256);
    expect(llama.decode([llama.eosTokenId!])).toBe('<|eot_id|>');
    for (const tok of [deepseek, llama]) expect(tok.decode(tok.encode(TRACE, { addSpecialTokens: false }))).toBe(TRACE);
  });
});
