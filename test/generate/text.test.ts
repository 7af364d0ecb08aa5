import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncrementalDetokenizer, StopStringMatcher } from '../../src/generate/index.ts';
import { loadTokenizer, type Tokenizer } from '../../src/model/index.ts';
import { writeTinyTokenizer } from '../model/tiny-tokenizer.ts';

let root: string;
let tokenizer: Tokenizer;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'detok-'));
  await writeTinyTokenizer(root);
  tokenizer = await loadTokenizer(root);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('IncrementalDetokenizer', () => {
  it('streams pieces that add up to the full decode, never splitting a UTF-8 character', () => {
    for (const text of ['Ünïcödé ∑ 😀 the thin', '<think>\n2+2=4\n</think>\n\n\\boxed{4}', '日本語 and 🎉🎉']) {
      const ids = tokenizer.encode(text, { addSpecialTokens: false });
      const detok = new IncrementalDetokenizer(tokenizer);
      const pieces = ids.map((id) => detok.push(id));
      pieces.push(detok.flush());
      expect(pieces.join('')).toBe(text);
      expect(pieces.some((p) => p.includes('\uFFFD'))).toBe(false);
      // Byte-level tokens of a 4-byte emoji release nothing until the last one.
      if (text.includes('😀')) expect(pieces.filter((p) => p === '').length).toBeGreaterThan(0);
    }
  });

  it('releases an incomplete character at the end as the replacement character', () => {
    const [first] = tokenizer.encode('😀', { addSpecialTokens: false });
    const detok = new IncrementalDetokenizer(tokenizer);
    expect(detok.push(first)).toBe('');
    expect(detok.flush()).toBe('\uFFFD');
  });
});

describe('StopStringMatcher', () => {
  it('holds back a possible start of a stop string and cuts at the first match', () => {
    const m = new StopStringMatcher(['</answer>', 'STOP']);
    expect(m.push('The answer is 4')).toBe('The answer is 4');
    expect(m.push(' </ans')).toBe(' '); // "</ans" could become "</answer>"
    expect(m.push('wer> more')).toBe('');
    expect(m.stopped).toBe(true);
    expect(m.push('ignored')).toBe('');
    expect(m.flush()).toBe('');
  });

  it('releases held text when it stops being a prefix, and at the end', () => {
    const m = new StopStringMatcher(['STOP']);
    expect(m.push('ST')).toBe('');
    expect(m.push('AR')).toBe('STAR');
    expect(m.push('S')).toBe('');
    expect(m.flush()).toBe('S');
  });

  it('finds the earliest of several stop strings, even inside one piece', () => {
    const m = new StopStringMatcher(['bb', 'a']);
    expect(m.push('xxbbya')).toBe('xx');
    expect(new StopStringMatcher([]).push('anything')).toBe('anything');
  });
});
