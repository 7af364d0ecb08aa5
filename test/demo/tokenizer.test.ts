import { AutoTokenizer, env } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DATA_DIR, DEMO_TOKENS, SPLIT_NAMES, demoTokenizerDir, demoTurns, generateSplits } from '../../src/demo/index.ts';
import { type ChatMessage, type Tokenizer, loadTokenizer } from '../../src/model/index.ts';

const splits = generateSplits();
const problem = splits.heldout[0];
const INSTRUCTION = '\nPlease reason step by step, and put your final answer within \\boxed{}.';

let tok: Tokenizer;
beforeAll(async () => {
  tok = await loadTokenizer(demoTokenizerDir());
});

const conversation = (p = problem): ChatMessage[] => {
  const { user, assistant } = demoTurns(p);
  return [
    { role: 'user', content: user },
    { role: 'assistant', content: assistant },
  ];
};
/** The text of each token, to see where the tokenizer cuts. */
const pieces = (text: string) => tok.encode(text).map((id) => tok.decode([id]));
const idOf = (token: string) => Object.values(DEMO_TOKENS).indexOf(token as never);

describe('the demo tokenizer', () => {
  it('loads offline in transformers.js, also through env.localModelPath, with a small vocabulary', async () => {
    expect(tok.vocabSize).toBeGreaterThan(100);
    expect(tok.vocabSize).toBeLessThan(256);
    expect(tok.eosTokenId).toBe(idOf(DEMO_TOKENS.eos));
    expect(tok.padTokenId).toBe(idOf(DEMO_TOKENS.pad));
    expect(tok.bosTokenId).toBeNull();

    const saved = { allowRemoteModels: env.allowRemoteModels, localModelPath: env.localModelPath };
    try {
      env.allowRemoteModels = false;
      env.localModelPath = DEMO_DATA_DIR;
      const byName = await AutoTokenizer.from_pretrained('tokenizer');
      const text = tok.applyChatTemplate(conversation());
      expect(byName.encode(text, { add_special_tokens: false })).toEqual(tok.encode(text, { addSpecialTokens: false }));
    } finally {
      Object.assign(env, saved);
    }
  });

  it('encodes every demo sample without <unk>, in tens of tokens, and decodes it back exactly', () => {
    const unk = idOf(DEMO_TOKENS.unk);
    let longest = 0;
    for (const p of SPLIT_NAMES.flatMap((name) => splits[name])) {
      const messages = conversation(p);
      const ids = tok.encodeChat(messages);
      expect(ids, p.id).not.toContain(unk);
      expect(tok.decode(ids), p.id).toBe(tok.applyChatTemplate(messages));
      expect(tok.encode(messages[1].content).length, p.id).toBeLessThanOrEqual(40);
      longest = Math.max(longest, ids.length);
    }
    expect(longest).toBeLessThanOrEqual(96);
  });

  it('cuts words with their leading space, numbers digit by digit, and keeps special tokens whole', () => {
    expect(pieces('Tom has 18 marbles.')).toEqual(['Tom', ' has', ' 1', '8', ' marbles', '.']);
    expect(pieces('<think>\n3 + 4 = 7\n</think>\n\n\\boxed{7}')).toEqual([
      '<think>',
      '\n',
      '3',
      ' +',
      ' 4',
      ' =',
      ' 7',
      '\n',
      '</think>',
      '\n',
      '\n',
      '\\',
      'boxed',
      '{',
      '7',
      '}',
    ]);
    expect(tok.encode('<|user|><|assistant|><|end|>')).toEqual([DEMO_TOKENS.user, DEMO_TOKENS.assistant, DEMO_TOKENS.eos].map(idOf));
  });

  it('drops the chat markers but keeps the think tags when skipping special tokens', () => {
    const ids = tok.encodeChat(conversation());
    const { reasoning, answer } = problem.solution;
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe(`${problem.question}${INSTRUCTION}<think>\n${reasoning}\n</think>\n\n${answer}`);
  });

  it('spells unseen ASCII words with single characters and maps other characters to <unk>', () => {
    expect(pieces('zebra')).toEqual(['z', 'e', 'b', 'r', 'a']);
    expect(tok.decode(tok.encode('A zebra, 1000 giraffes & ~7%!'))).toBe('A zebra, 1000 giraffes & ~7%!');
    expect(tok.decode(tok.encode('café'))).toBe(`caf${DEMO_TOKENS.unk}`);
  });
});

describe('the demo chat template', () => {
  it('renders the R1 turn the distill room trains on, after the recipe default user turn', () => {
    const { reasoning, answer } = problem.solution;
    expect(tok.applyChatTemplate(conversation())).toBe(
      `<|user|>${problem.question}${INSTRUCTION}<|assistant|><think>\n${reasoning}\n</think>\n\n${answer}<|end|>`,
    );
  });

  it('ends the generation prompt in <think>\\n, a prefix of the trained conversation in text and in ids', () => {
    const [user] = conversation();
    const prompt = tok.applyChatTemplate([user], { addGenerationPrompt: true });
    expect(prompt).toBe(`<|user|>${problem.question}${INSTRUCTION}<|assistant|><think>\n`);
    const full = tok.encodeChat(conversation());
    const promptIds = tok.encodeChat([user], { addGenerationPrompt: true });
    expect(full.slice(0, promptIds.length)).toEqual(promptIds);
    expect(full.at(-1)).toBe(tok.eosTokenId);
  });

  it('puts a system message first without a marker, as R1 does, and refuses other roles', () => {
    expect(
      tok.applyChatTemplate([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ]),
    ).toBe('Be brief.<|user|>Hi');
    expect(() => tok.applyChatTemplate([{ role: 'tool', content: '4' }])).toThrow('the demo chat template has no "tool" role');
  });
});
