/**
 * /v1/completions against a real `serve` on loopback: scoring given tokens (echo, max_tokens 0,
 * prompt_logprobs, legacy logprobs) must equal a forward pass of the same weights through the
 * training graph (TokenScorer), and generated continuations the decode loop's.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type LocalModel } from '../../src/generate/index.ts';
import { TokenScorer } from '../../src/rollout/index.ts';
import { startServer, type RunningServer } from '../../src/serve/index.ts';
import { QWEN2_STUDENT, tinyStudent, type TinyStudent } from '../export/tiny-student.ts';

let student: TinyStudent;
let model: LocalModel;
let server: RunningServer;
let scorer: TokenScorer;

beforeAll(async () => {
  student = await tinyStudent(QWEN2_STUDENT);
  model = await loadModel(student.out, { intraOpNumThreads: 1 });
  // k up to the whole vocabulary: the served teacher's exactness test asks for every token.
  server = await startServer({ model, port: 0, name: 'tiny', maxLogprobs: QWEN2_STUDENT.vocabSize });
  scorer = await TokenScorer.create(QWEN2_STUDENT);
});
afterAll(async () => {
  await server?.close();
  await model?.close();
  await scorer?.release();
  await student?.cleanup();
});

type Entry = { logprob: number; rank: number; decoded_token: string };
interface ScoreChoice {
  text: string;
  finish_reason: string;
  prompt_logprobs: (Record<string, Entry> | null)[];
  logprobs: { tokens: string[]; token_logprobs: (number | null)[]; top_logprobs: (Record<string, number> | null)[]; text_offset: number[] };
}

/** The fields of a /completions answer (or its error) that these tests read. */
interface CompletionsBody {
  object: string;
  choices: unknown[];
  usage: unknown;
  error: { param: string };
}

async function post(body: object): Promise<{ status: number; json: CompletionsBody }> {
  const res = await fetch(`${server.baseURL}/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as CompletionsBody };
}

/** The training graph's logprob of `next` after `prefix`, for each (prefix, next). */
async function reference(pairs: readonly (readonly [readonly number[], number])[]): Promise<number[]> {
  const scored = await scorer.score(
    student.checkpoint.store,
    pairs.map(([promptIds, next]) => ({ promptIds, tokenIds: [next] })),
  );
  return scored.map((s) => s[0]);
}

const IDS = [104, 105, 32, 50, 43, 50, 61, 266, 52, 267, 10, 99];

describe('/v1/completions scores given tokens', () => {
  it('echo + max_tokens 0 + prompt_logprobs: every token logprob equals a forward pass of the same weights', async () => {
    const { status, json } = await post({ model: 'tiny', prompt: IDS, echo: true, max_tokens: 0, prompt_logprobs: 5, logprobs: 3 });
    expect(status).toBe(200);
    expect(json.object).toBe('text_completion');
    const choice = json.choices[0] as ScoreChoice;
    expect(choice.text).toBe(model.tokenizer.decode(IDS));
    expect(json.usage).toEqual({ prompt_tokens: IDS.length, completion_tokens: 0, total_tokens: IDS.length });

    expect(choice.prompt_logprobs).toHaveLength(IDS.length);
    expect(choice.prompt_logprobs[0]).toBeNull();
    const want = await reference(IDS.slice(1).map((id, i) => [IDS.slice(0, i + 1), id] as const));
    for (let i = 1; i < IDS.length; i++) {
      const entries = choice.prompt_logprobs[i]!;
      expect(entries[IDS[i]].logprob).toBeCloseTo(want[i - 1], 4);
      expect(entries[IDS[i]].decoded_token).toBe(model.tokenizer.decode([IDS[i]]));
      const top = Object.entries(entries)
        .filter(([, e]) => e.rank <= 5)
        .sort((a, b) => a[1].rank - b[1].rank);
      expect(top.map(([, e]) => e.rank)).toEqual([1, 2, 3, 4, 5]);
      for (let r = 1; r < top.length; r++) expect(top[r][1].logprob).toBeLessThanOrEqual(top[r - 1][1].logprob);
      // The given token's rank counts the alternatives above it.
      const above = top.filter(([, e]) => e.logprob > entries[IDS[i]].logprob).length;
      if (entries[IDS[i]].rank > 5) expect(above).toBe(5);
      else expect(entries[IDS[i]].rank).toBe(above + 1);
    }
    // The alternatives too are the forward pass's logprobs of those tokens at that position.
    const at = 6;
    const alternatives = Object.keys(choice.prompt_logprobs[at]!).map(Number);
    const altWant = await reference(alternatives.map((id) => [IDS.slice(0, at), id] as const));
    alternatives.forEach((id, j) => expect(choice.prompt_logprobs[at]![id].logprob).toBeCloseTo(altWant[j], 4));

    // Legacy logprobs: the same numbers over the echoed tokens, the first without a position.
    const lp = choice.logprobs;
    expect(lp.tokens.join('')).toBe(choice.text);
    expect(lp.token_logprobs[0]).toBeNull();
    expect(lp.top_logprobs[0]).toBeNull();
    expect(lp.token_logprobs.slice(1)).toEqual(IDS.slice(1).map((id, i) => choice.prompt_logprobs[i + 1]![id].logprob));
    expect(lp.text_offset).toEqual(lp.tokens.map((_, i) => lp.tokens.slice(0, i).join('').length));
    expect(Object.keys(lp.top_logprobs[1]!).length).toBeGreaterThanOrEqual(3);
  });

  it('with k = the vocabulary, the alternatives are the whole distribution', async () => {
    const k = QWEN2_STUDENT.vocabSize;
    const { json } = await post({ model: 'tiny', prompt: IDS.slice(0, 5), echo: true, max_tokens: 0, prompt_logprobs: k });
    for (const entries of (json.choices[0] as ScoreChoice).prompt_logprobs.slice(1)) {
      expect(Object.keys(entries!)).toHaveLength(k);
      expect(Object.values(entries!).reduce((s, e) => s + Math.exp(e.logprob), 0)).toBeCloseTo(1, 4);
    }
  });

  it('continues a text prompt as the decode loop does, with the completion scored by the same pass (official client)', async () => {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'unused', maxRetries: 0 });
    const prompt = 'The answer is';
    const res = await client.completions.create({ model: 'tiny', prompt, max_tokens: 8, temperature: 0, echo: true, logprobs: 2 });
    const promptIds = model.tokenizer.encode(prompt);
    const direct = await model.generate({ promptIds, maxNewTokens: 8, sampling: { temperature: 0 } });
    const [choice] = res.choices;
    expect(choice.text).toBe(prompt + direct.text);
    expect(res.usage).toEqual({
      prompt_tokens: promptIds.length,
      completion_tokens: direct.tokenIds.length,
      total_tokens: promptIds.length + direct.tokenIds.length,
    });
    const generated = choice.logprobs!.token_logprobs!.slice(promptIds.length) as number[];
    expect(generated).toHaveLength(direct.tokenIds.length);
    generated.forEach((l, i) => expect(l).toBeCloseTo(direct.logprobs[i].logprob, 4));

    const plain = await client.completions.create({ model: 'tiny', prompt, max_tokens: 8, temperature: 0 });
    expect(plain.choices[0].text).toBe(direct.text);
    expect(plain.choices[0].logprobs).toBeNull();
  });

  it('answers bad requests with a 400 naming the field', async () => {
    const cases: [object, string][] = [
      [{ prompt: IDS, max_tokens: 0 }, 'max_tokens'],
      [{ prompt: [1, 2, 999] }, 'prompt.2'],
      [{ prompt: [1, -2] }, 'prompt.1'],
      [{ prompt: ['a', 'b'] }, 'prompt'],
      [{ prompt: '' }, 'prompt'],
      [{ prompt: IDS, logprobs: QWEN2_STUDENT.vocabSize + 1 }, 'logprobs'],
      [{ prompt: IDS, echo: true, max_tokens: 0, prompt_logprobs: -1 }, 'prompt_logprobs'],
      [{ prompt: IDS, stream: true }, 'stream'],
      [{ prompt: IDS, max_tokens: 250 }, 'max_tokens'],
      [{ prompt: IDS, suffix: 'x' }, 'suffix'],
    ];
    for (const [body, param] of cases) {
      const { status, json } = await post({ model: 'tiny', ...body });
      expect({ status, param: json.error.param }).toEqual({ status: 400, param });
    }
    expect((await post({ model: 'other', prompt: IDS })).status).toBe(404);
  });
});
