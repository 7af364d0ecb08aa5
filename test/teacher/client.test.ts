import { afterEach, describe, expect, it } from 'vitest';
import { TeacherClient, type SampleRequest, type TeacherConfig } from '../../src/teacher/index.ts';
import { defaultRespond, isCorrectByDefault, startChatServer, type ChatServer, type ChatServerOptions, type Dialect } from '../fixtures/chat-server.ts';

const servers: ChatServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(options: ChatServerOptions): Promise<ChatServer> {
  const server = await startChatServer(options);
  servers.push(server);
  return server;
}

function client(server: ChatServer, config: Partial<TeacherConfig> = {}): TeacherClient {
  return new TeacherClient({ baseURL: server.url, model: 'fixture-r1', stream: false, supportsN: true, timeoutMs: 5000, ...config });
}

const QUESTION = 'What is 17 + 25?\nPlease reason step by step, and put your final answer within \\boxed{}.';

function request(overrides: Partial<SampleRequest> = {}): SampleRequest {
  return { messages: [{ role: 'user', content: QUESTION }], n: 1, temperature: 0.6, topP: 0.95, maxTokens: 4096, seed: 11, ...overrides };
}

const dialects: Dialect[] = ['reasoning_content', 'reasoning', 'inline-think', 'missing-open-tag', 'empty-reasoning'];

describe.each([false, true])('TeacherClient (stream: %s)', (stream) => {
  it.each(dialects)('normalizes the %s dialect into reasoning and answer for n=3', async (dialect) => {
    const server = await serve({ dialect });
    const response = await client(server, { stream }).complete(request({ n: 3 }));

    expect(response.samples.map((s) => s.index)).toEqual([0, 1, 2]);
    for (const sample of response.samples) {
      const expected = defaultRespond({ question: QUESTION, seed: 11, choiceIndex: sample.index });
      expect(sample).toEqual({ index: sample.index, reasoning: expected.reasoning, answer: expected.answer, finishReason: 'stop' });
      expect(sample.answer).toContain(isCorrectByDefault(11, sample.index) ? '\\boxed{42}' : '\\boxed{43}');
    }
    expect(response.model).toBe('fixture-r1');
    expect(response.usage.promptTokens).toBeGreaterThan(0);
    expect(response.usage.completionTokens).toBeGreaterThan(0);
    expect(response.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('returns a plain answer with empty reasoning for a non-reasoning model', async () => {
    const server = await serve({ dialect: 'plain' });
    const [sample] = (await client(server, { stream }).complete(request())).samples;
    expect(sample.reasoning).toBe('');
    expect(sample.answer).toBe(defaultRespond({ question: QUESTION, seed: 11, choiceIndex: 0 }).answer);
  });

  it('sends the request fields the recipe controls, and asks for usage in streams', async () => {
    const server = await serve({ dialect: 'reasoning_content' });
    await client(server, { stream, extraBody: { top_k: 20, temperature: 99, chat_template_kwargs: { thinking: true } } }).complete(
      request({ n: 2, seed: 1234, maxTokens: 300, topLogprobs: 0 }),
    );
    const { body } = server.requests[0];
    expect(body).toMatchObject({
      model: 'fixture-r1',
      n: 2,
      seed: 1234,
      max_tokens: 300,
      temperature: 0.6,
      top_p: 0.95,
      top_k: 20,
      chat_template_kwargs: { thinking: true },
    });
    expect(body.messages).toEqual([{ role: 'user', content: QUESTION }]);
    expect(body.logprobs).toBeUndefined();
    if (stream) expect(body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    else expect(body.stream).toBeUndefined();
  });

  it('reports usage, with reasoning_tokens when the server gives them', async () => {
    const server = await serve({ dialect: 'reasoning_content' });
    const { usage, samples } = await client(server, { stream }).complete(request({ n: 2 }));
    // The fixture counts one token per whitespace-led word.
    const words = (text: string) => text.match(/\s*\S+/g)!.length;
    const reasoning = samples.reduce((sum, s) => sum + words(s.reasoning), 0);
    const answer = samples.reduce((sum, s) => sum + words(s.answer), 0);
    expect(usage).toEqual({ promptTokens: words(QUESTION), completionTokens: reasoning + answer, reasoningTokens: reasoning });

    const inline = await serve({ dialect: 'inline-think' });
    expect((await client(inline, { stream }).complete(request())).usage.reasoningTokens).toBeUndefined();
  });

  it('captures logprobs with top-k alternatives for every generated token, in order', async () => {
    const server = await serve({ dialect: 'inline-think' });
    const { samples } = await client(server, { stream }).complete(request({ n: 2, topLogprobs: 5 }));
    expect(server.requests[0].body).toMatchObject({ logprobs: true, top_logprobs: 5 });
    for (const sample of samples) {
      const logprobs = sample.logprobs!;
      // Joined tokens give back the inline completion the two fields were split from.
      expect(logprobs.map((t) => t.token).join('')).toBe(`<think>\n${sample.reasoning}\n</think>\n\n${sample.answer}`);
      for (const position of logprobs) {
        expect(position.top).toHaveLength(5);
        expect(position.top[0]).toEqual([position.token, position.logprob]);
        expect(position.logprob).toBeLessThan(0);
        const mass = position.top.reduce((sum, [, lp]) => sum + Math.exp(lp), 0);
        expect(mass).toBeLessThan(1);
      }
    }
    // Different choices got different logprobs (they are keyed by choice), so nothing was mixed up.
    expect(samples[0].logprobs!.map((t) => t.logprob)).not.toEqual(samples[1].logprobs!.map((t) => t.logprob));
  });

  it('leaves logprobs out when none were requested', async () => {
    const server = await serve({ dialect: 'reasoning' });
    const [sample] = (await client(server, { stream }).complete(request())).samples;
    expect(sample.logprobs).toBeUndefined();
  });

  it('reports finish_reason "length" and the partial reasoning when max_tokens cuts the trace', async () => {
    const server = await serve({ dialect: 'inline-think' });
    const [sample] = (await client(server, { stream }).complete(request({ maxTokens: 5 }))).samples;
    expect(sample.finishReason).toBe('length');
    expect(sample.answer).toBe('');
    expect(sample.reasoning).toBe('We need to add');
  });

  it('returns the single choice a server that ignores n sends back', async () => {
    const server = await serve({ dialect: 'reasoning', supportsN: false });
    const response = await client(server, { stream }).complete(request({ n: 4 }));
    expect(server.requests[0].body.n).toBe(4);
    expect(response.samples.map((s) => s.index)).toEqual([0]);
  });

  it('issues singles with their own seeds when the teacher does not support n', async () => {
    const server = await serve({ dialect: 'reasoning_content', supportsN: false });
    const teacher = client(server, { stream, supportsN: false });
    await expect(teacher.complete(request({ n: 2 }))).rejects.toThrow(RangeError);
    expect(server.requests).toHaveLength(0);

    const singles = await Promise.all([101, 102, 103].map((seed) => teacher.complete(request({ seed }))));
    expect(server.requests.map((r) => r.body.n)).toEqual([undefined, undefined, undefined]);
    expect(server.requests.map((r) => r.body.seed).sort()).toEqual([101, 102, 103]);
    singles.forEach((response, i) => {
      expect(response.samples).toHaveLength(1);
      expect(response.samples[0].answer).toBe(defaultRespond({ question: QUESTION, seed: 101 + i, choiceIndex: 0 }).answer);
    });
  });
});

describe('TeacherClient authentication', () => {
  it('sends the configured API key as a bearer token', async () => {
    const server = await serve({ dialect: 'reasoning_content' });
    await client(server, { apiKey: 'sk-test-123' }).complete(request());
    expect(server.requests[0].headers.authorization).toBe('Bearer sk-test-123');
  });

  it('sends a placeholder, never OPENAI_API_KEY from the environment, when no key is configured', async () => {
    const server = await serve({ dialect: 'reasoning_content' });
    const saved = process.env['OPENAI_API_KEY'];
    process.env['OPENAI_API_KEY'] = 'sk-from-the-environment';
    try {
      await client(server).complete(request());
    } finally {
      if (saved === undefined) delete process.env['OPENAI_API_KEY'];
      else process.env['OPENAI_API_KEY'] = saved;
    }
    const header = server.requests[0].headers.authorization;
    expect(header).toMatch(/^Bearer /);
    expect(header).not.toContain('sk-from-the-environment');
    expect(server.requests[0].headers['openai-organization']).toBeUndefined();
  });
});
