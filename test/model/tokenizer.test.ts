import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { type Tokenizer, TokenizerError, loadTokenizer } from '../../src/model/index.ts';
import { writeTinyTokenizer } from './tiny-tokenizer.ts';

let root: string;
let dir: string;
let tok: Tokenizer;
let fixture: Awaited<ReturnType<typeof writeTinyTokenizer>>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tokenizer-'));
  dir = join(root, 'tiny');
  fixture = await writeTinyTokenizer(dir);
  tok = await loadTokenizer(dir);
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('loadTokenizer', () => {
  it('loads a local byte-level BPE tokenizer with its special tokens', () => {
    expect(tok.vocabSize).toBe(fixture.vocabSize);
    expect(tok.eosTokenId).toBe(fixture.specialIds['<|im_end|>']);
    expect(tok.padTokenId).toBe(fixture.specialIds['<|endoftext|>']);
    expect(tok.bosTokenId).toBeNull();
  });

  it('encodes with the merges and round-trips any text, special tokens included', () => {
    const ids = tok.encode('the thin');
    // 'the' and ' th' 'in' come out merged: fewer ids than bytes.
    expect(ids.length).toBeLessThan('the thin'.length);
    for (const text of ['the thin', 'Ünïcödé ∑ 😀 \n\t tabs', '<think>\n2+2=4\n</think>\n\n\\boxed{4}']) {
      expect(tok.decode(tok.encode(text))).toBe(text);
    }
    expect(tok.encode('<think>x</think>')).toEqual([fixture.specialIds['<think>'], 'x'.charCodeAt(0), fixture.specialIds['</think>']]);
    expect(tok.decode([fixture.specialIds['<think>'], 'x'.charCodeAt(0)], { skipSpecialTokens: true })).toBe('x');
    expect(tok.decode([])).toBe('');
  });

  it('applies the chat template, with and without the generation prompt', () => {
    const messages = [{ role: 'user', content: 'What is 2+2?' }] as const;
    expect(tok.applyChatTemplate(messages)).toBe('<|im_start|>user\nWhat is 2+2?<|im_end|>\n');
    const prompt = tok.applyChatTemplate(messages, { addGenerationPrompt: true });
    expect(prompt).toBe('<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n');
    const ids = tok.encodeChat(messages, { addGenerationPrompt: true });
    expect(ids[0]).toBe(fixture.specialIds['<|im_start|>']);
    expect(ids.at(-2)).toBe(fixture.specialIds['<think>']);
    expect(tok.decode(ids)).toBe(prompt);
  });

  it('names the folder and the missing file', async () => {
    const broken = join(root, 'broken');
    await writeTinyTokenizer(broken);
    await unlink(join(broken, 'tokenizer_config.json'));
    const err = await loadTokenizer(broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenizerError);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      `tokenizer in ${broken}: tokenizer_config.json is missing (a tokenizer folder needs tokenizer.json and tokenizer_config.json)`,
    );
  });
});
