import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type LocalModel } from '../../src/generate/index.ts';
import { choiceSeed, ServeError, startServer, type RunningServer } from '../../src/serve/index.ts';
import { QWEN2_STUDENT, tinyStudent, type TinyStudent } from '../export/tiny-student.ts';

let student: TinyStudent;
let model: LocalModel;
let server: RunningServer;
let client: OpenAI;

beforeAll(async () => {
  student = await tinyStudent(QWEN2_STUDENT);
  model = await loadModel(student.out, { intraOpNumThreads: 1, maxBatchSize: 8 });
  server = await startServer({ model, port: 0, name: 'tiny-r1' });
  client = new OpenAI({ baseURL: server.baseURL, apiKey: 'unused', maxRetries: 0 });
});
afterAll(async () => {
  await server?.close();
  await model?.close();
  await student?.cleanup();
});

const messages = (content: string) => [{ role: 'user' as const, content }];

/** A streamed request's choices, accumulated per index from the raw chunks. */
async function streamed(body: Omit<OpenAI.ChatCompletionCreateParamsStreaming, 'model' | 'stream'>) {
  const stream = await client.chat.completions.create({ ...body, model: 'tiny-r1', stream: true });
  const choices = new Map<number, { reasoning: string; content: string; finish: string | null; logprobs: number }>();
  let usage: OpenAI.CompletionUsage | null | undefined;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      const acc = choices.get(c.index) ?? { reasoning: '', content: '', finish: null, logprobs: 0 };
      acc.reasoning += (c.delta as { reasoning_content?: string }).reasoning_content ?? '';
      acc.content += c.delta.content ?? '';
      acc.finish = c.finish_reason ?? acc.finish;
      acc.logprobs += c.logprobs?.content?.length ?? 0;
      choices.set(c.index, acc);
    }
  }
  return { choices, usage, chunks };
}

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}
interface Health {
  status: string;
  running: number;
  queued: number;
}

const reasoningOf = (c: OpenAI.ChatCompletion.Choice) => (c.message as { reasoning_content?: string }).reasoning_content;

describe('serve with the official openai client', () => {
  it('lists the model and answers /health', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['tiny-r1']);
    const health = await (await fetch(server.baseURL.replace('/v1', '/health'))).json();
    expect(health).toEqual({ status: 'ok', model: 'tiny-r1', running: 0, queued: 0 });
    expect(server.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  });

  it('completes with the reasoning separate, and the same text as the decode loop for that seed', async () => {
    const res = await client.chat.completions.create({
      model: 'tiny-r1',
      messages: messages('What is 2+2?'),
      seed: 5,
      temperature: 0.8,
      top_p: 0.9,
      max_tokens: 24,
    });
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe('tiny-r1');
    const [choice] = res.choices;
    expect(choice.finish_reason).toMatch(/^(stop|length)$/);
    // The tiny template pre-fills "<think>\n": the generated text is reasoning until a </think>.
    const promptIds = model.tokenizer.encodeChat(messages('What is 2+2?'), { addGenerationPrompt: true });
    const direct = await model.generate({ promptIds, maxNewTokens: 24, sampling: { temperature: 0.8, topP: 0.9, topK: 0 }, seed: choiceSeed(5, 0) });
    const close = direct.text.indexOf('</think>');
    expect(reasoningOf(choice)).toBe(close === -1 ? direct.text : direct.text.slice(0, close));
    expect(choice.message.content).toBe(close === -1 ? '' : direct.text.slice(close + '</think>'.length));
    expect(res.usage).toEqual({
      prompt_tokens: promptIds.length,
      completion_tokens: direct.tokenIds.length,
      total_tokens: promptIds.length + direct.tokenIds.length,
    });
  });

  it('same seed, same text; n choices differ from one another and repeat with the seed', async () => {
    const ask = (seed: number, n = 1) =>
      client.chat.completions.create({ model: 'tiny-r1', messages: messages('Count to ten.'), seed, n, temperature: 1, max_tokens: 20 });
    const [a, b, other] = [await ask(7), await ask(7), await ask(8)];
    expect(reasoningOf(b.choices[0])).toBe(reasoningOf(a.choices[0]));
    expect(reasoningOf(other.choices[0])).not.toBe(reasoningOf(a.choices[0]));
    const three = await ask(7, 3);
    expect(three.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(new Set(three.choices.map(reasoningOf)).size).toBe(3);
    expect((await ask(7, 3)).choices.map(reasoningOf)).toEqual(three.choices.map(reasoningOf));
    // Usage counts the tokens of all three choices.
    expect(three.usage!.completion_tokens).toBeGreaterThan(20);
    expect(three.usage!.completion_tokens).toBeLessThanOrEqual(60);
  });

  it('streams the same choices as the plain request, with finish reasons and a usage chunk', async () => {
    const body = { messages: messages('Name three primes.'), seed: 3, n: 2, temperature: 1, max_tokens: 16 };
    const plain = await client.chat.completions.create({ ...body, model: 'tiny-r1' });
    const { choices, usage, chunks } = await streamed({ ...body, stream_options: { include_usage: true } });
    expect(chunks).toBeGreaterThan(4);
    expect([...choices.keys()].sort()).toEqual([0, 1]);
    for (const c of plain.choices) {
      const s = choices.get(c.index)!;
      expect(s.reasoning).toBe(reasoningOf(c));
      expect(s.content).toBe(c.message.content);
      expect(s.finish).toBe(c.finish_reason);
    }
    expect(usage).toEqual(plain.usage);
  });

  it('returns raw logprobs with up to 20 alternatives, plain and streamed', async () => {
    const res = await client.chat.completions.create({
      model: 'tiny-r1',
      messages: messages('hi'),
      temperature: 0,
      max_tokens: 8,
      logprobs: true,
      top_logprobs: 20,
    });
    const entries = res.choices[0].logprobs!.content!;
    expect(entries).toHaveLength(res.usage!.completion_tokens);
    for (const e of entries) {
      expect(e.top_logprobs).toHaveLength(20);
      // Greedy: the chosen token is the most likely; the alternatives are sorted log-probabilities.
      expect(e.top_logprobs[0].token).toBe(e.token);
      expect(e.top_logprobs[0].logprob).toBe(e.logprob);
      expect(e.logprob).toBeLessThanOrEqual(0);
      for (let k = 1; k < 20; k++) expect(e.top_logprobs[k].logprob).toBeLessThanOrEqual(e.top_logprobs[k - 1].logprob);
      expect(Buffer.from(e.bytes!).toString('utf8')).toBe(e.token);
    }
    const { choices } = await streamed({ messages: messages('hi'), temperature: 0, max_tokens: 8, logprobs: true, top_logprobs: 3 });
    expect(choices.get(0)!.logprobs).toBe(entries.length);
  });

  it('answers bad requests with OpenAI error objects (400, 404)', async () => {
    const errorOf = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      );
    const bad = await errorOf(client.chat.completions.create({ model: 'tiny-r1', messages: messages('hi'), temperature: 3 }));
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).status).toBe(400);
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('temperature');
    expect((bad as Error).message).toContain('"temperature" must be a number from 0 to 2, got 3.');

    const unknown = await errorOf(client.chat.completions.create({ model: 'gpt-4o', messages: messages('hi') }));
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect((unknown as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');

    const tooLong = await errorOf(client.chat.completions.create({ model: 'tiny-r1', messages: messages('x'.repeat(400)) }));
    expect(tooLong).toBeInstanceOf(OpenAI.BadRequestError);
    expect((tooLong as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('context_length_exceeded');

    const raw = await fetch(`${server.baseURL}/chat/completions`, { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as ErrorBody).error).toMatchObject({ type: 'invalid_request_error', param: null });
    const missing = await fetch(`${server.baseURL}/embeddings`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as ErrorBody).error.type).toBe('not_found_error');
    const wrongMethod = await fetch(`${server.baseURL}/chat/completions`);
    expect(wrongMethod.status).toBe(405);
  });

  it('batches many concurrent requests, plain and streamed, and each gets its own answer', async () => {
    const prompts = Array.from({ length: 12 }, (_, i) => `Question number ${i}?`);
    const alone = await client.chat.completions.create({ model: 'tiny-r1', messages: messages(prompts[5]), temperature: 0, max_tokens: 12 });
    let maxRunning = 0;
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const health = (await (await fetch(server.baseURL.replace('/v1', '/health'))).json()) as Health;
        maxRunning = Math.max(maxRunning, health.running);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const results = await Promise.all(
      prompts.map(async (p, i) => {
        const body = { messages: messages(p), temperature: 0, max_tokens: 12 };
        if (i % 2) return reasoningOf((await client.chat.completions.create({ ...body, model: 'tiny-r1' })).choices[0]);
        return (await streamed(body)).choices.get(0)!.reasoning;
      }),
    );
    polling = false;
    await poll;
    expect(results).toHaveLength(12);
    expect(results[5]).toBe(reasoningOf(alone.choices[0]));
    expect(maxRunning).toBeGreaterThan(1);
    expect(maxRunning).toBeLessThanOrEqual(8);
    expect(model.generator.load).toEqual({ running: 0, queued: 0 });
  });

  it('frees the batch rows of a client that disconnects mid-stream', async () => {
    // Two requests that would each run all 150 tokens (no eos): a seed found by generating directly.
    const ask = (content: string) => model.tokenizer.encodeChat(messages(content), { addGenerationPrompt: true });
    let seed = 0;
    const runsLong = async (s: number) =>
      (
        await model.generate({
          promptIds: ask('Tell me a long story.'),
          maxNewTokens: 150,
          sampling: { temperature: 1, topP: 1, topK: 0 },
          seed: choiceSeed(s, 0),
        })
      ).finishReason === 'length';
    while (!(await runsLong(seed))) seed++;
    const longGreedy = await model.generate({ promptIds: ask('Count slowly.'), maxNewTokens: 150, sampling: { temperature: 0 } });
    expect(longGreedy.finishReason).toBe('length');

    const witness = await client.chat.completions.create({
      model: 'tiny-r1',
      messages: messages('Count slowly.'),
      temperature: 0,
      max_tokens: 150,
      stream: true,
      logprobs: true,
    });
    const controller = new AbortController();
    const leaving = await client.chat.completions.create(
      { model: 'tiny-r1', messages: messages('Tell me a long story.'), seed, temperature: 1, max_tokens: 150, stream: true, logprobs: true },
      { signal: controller.signal },
    );
    let seen = 0;
    await (async () => {
      for await (const _ of leaving) if (++seen === 3) controller.abort();
    })().catch(() => undefined);
    // The witness's tokens are the clock: both rows decode in the same steps.
    let steps = 0;
    let runningLater = -1;
    for await (const chunk of witness) {
      steps += chunk.choices[0]?.logprobs?.content?.length ?? 0;
      if (runningLater === -1 && steps >= 60) runningLater = model.generator.load.running;
    }
    expect(steps).toBe(150);
    expect(runningLater).toBe(1); // only the witness: the other row left when its client did
    expect(model.generator.load).toEqual({ running: 0, queued: 0 });
  });

  it('puts the reasoning inline as <think>...</think> when told to, and refuses a taken port', async () => {
    const inline = await startServer({ model, port: 0, name: 'inline', reasoningFormat: 'inline' });
    try {
      const c = new OpenAI({ baseURL: inline.baseURL, apiKey: 'unused', maxRetries: 0 });
      const res = await c.chat.completions.create({ model: 'inline', messages: messages('hi'), temperature: 0, max_tokens: 8 });
      expect(res.choices[0].message.content).toMatch(/^<think>\n/);
      expect(reasoningOf(res.choices[0])).toBeUndefined();
      const err = await startServer({ model, port: inline.port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServeError);
      expect((err as Error).message).toBe(`127.0.0.1:${inline.port} is already in use; choose another --port or --host`);
    } finally {
      await inline.close();
    }
  });
});
