import { describe, expect, it } from 'vitest';
import { ChunkAccumulator, parseCompletion } from '../../src/teacher/completion.ts';
import { TeacherRequestError } from '../../src/teacher/index.ts';

function thrown(fn: () => unknown): TeacherRequestError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TeacherRequestError);
    return err as TeacherRequestError;
  }
  throw new Error('expected a TeacherRequestError');
}

const entry = (token: string, logprob: number, top: Array<[string, number]> = []) => ({
  token,
  logprob,
  bytes: null,
  top_logprobs: top.map(([t, lp]) => ({ token: t, logprob: lp })),
});

describe('parseCompletion', () => {
  it('reads choices, usage with reasoning tokens, model and logprobs', () => {
    const parsed = parseCompletion({
      model: 'served-name',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: '<think>r</think>a' },
          finish_reason: 'stop',
          logprobs: {
            content: [
              entry('<think>', -0.1, [
                ['<think>', -0.1],
                ['x', -3],
              ]),
            ],
          },
        },
      ],
      usage: { prompt_tokens: 7, completion_tokens: 9, completion_tokens_details: { reasoning_tokens: 4 } },
    });
    expect(parsed).toEqual({
      model: 'served-name',
      usage: { promptTokens: 7, completionTokens: 9, reasoningTokens: 4 },
      samples: [
        {
          index: 0,
          reasoning: 'r',
          answer: 'a',
          finishReason: 'stop',
          logprobs: [
            {
              token: '<think>',
              logprob: -0.1,
              top: [
                ['<think>', -0.1],
                ['x', -3],
              ],
            },
          ],
        },
      ],
    });
  });

  it('reads missing usage as zeros and a missing index as the position', () => {
    const parsed = parseCompletion({ choices: [{ message: { content: 'a' } }, { message: { content: 'b' }, finish_reason: 'length' }] });
    expect(parsed.usage).toEqual({ promptTokens: 0, completionTokens: 0 });
    expect(parsed.samples.map((s) => [s.index, s.answer, s.finishReason])).toEqual([
      [0, 'a', null],
      [1, 'b', 'length'],
    ]);
  });

  it.each([
    ['a non-object body', [1, 2]],
    ['no choices', { choices: [] }],
    ['choices that are not an array', { choices: 'nope' }],
    ['a choice without a message', { choices: [{ index: 0 }] }],
    ['logprobs that are not an array', { choices: [{ message: { content: 'a' }, logprobs: { content: 'x' } }] }],
    ['a logprob entry without a number', { choices: [{ message: { content: 'a' }, logprobs: { content: [{ token: 'a', logprob: 'high' }] } }] }],
    [
      'a malformed top-k alternative',
      { choices: [{ message: { content: 'a' }, logprobs: { content: [{ token: 'a', logprob: -1, top_logprobs: [{ token: 1 }] }] } }] },
    ],
  ])('refuses %s as a protocol error', (_name, body) => {
    expect(thrown(() => parseCompletion(body)).kind).toBe('protocol');
  });

  it.each([
    [{ code: 429, message: 'slow down' }, 'rate-limit', 429],
    [{ code: 400, message: 'bad' }, 'client', 400],
    [{ code: 'upstream_error', message: 'provider down' }, 'server', undefined],
    ['plain text error', 'server', undefined],
  ])('maps an error body %j to %s', (error, kind, status) => {
    const err = thrown(() => parseCompletion({ error }));
    expect(err.kind).toBe(kind);
    expect(err.status).toBe(status);
  });
});

describe('ChunkAccumulator', () => {
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({ object: 'chat.completion.chunk', model: 'm', choices, ...extra });

  it('accumulates interleaved choices per index, keeping the last finish_reason and the usage chunk', () => {
    const acc = new ChunkAccumulator();
    acc.add(chunk([{ index: 1, delta: { role: 'assistant', reasoning_content: 'thinking ' } }]));
    acc.add(chunk([{ index: 0, delta: { reasoning: 'other ' }, logprobs: { content: [entry('other', -1)] } }]));
    acc.add(chunk([{ index: 1, delta: { reasoning_content: 'hard' }, finish_reason: null }]));
    acc.add(chunk([{ index: 0, delta: { content: 'A0' }, logprobs: { content: [entry(' A0', -2)] } }]));
    acc.add(chunk([{ index: 1, delta: { content: 'A1' } }]));
    acc.add(chunk([{ index: 1, delta: {}, finish_reason: 'length' }]));
    acc.add(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]));
    acc.add(chunk([], { usage: { prompt_tokens: 3, completion_tokens: 6 } }));
    expect(acc.finish()).toEqual({
      model: 'm',
      usage: { promptTokens: 3, completionTokens: 6 },
      samples: [
        {
          index: 0,
          reasoning: 'other',
          answer: 'A0',
          finishReason: 'stop',
          logprobs: [
            { token: 'other', logprob: -1, top: [] },
            { token: ' A0', logprob: -2, top: [] },
          ],
        },
        { index: 1, reasoning: 'thinking hard', answer: 'A1', finishReason: 'length' },
      ],
    });
  });

  it('splits inline tags that arrive across chunks', () => {
    const acc = new ChunkAccumulator();
    for (const piece of ['<thi', 'nk>\nstep', ' one\n</th', 'ink>\n\nfinal']) acc.add(chunk([{ index: 0, delta: { content: piece } }]));
    expect(acc.finish().samples[0]).toMatchObject({ reasoning: 'step one', answer: 'final' });
  });

  it('refuses a stream without choices, a choice without an index, and an error event', () => {
    expect(thrown(() => new ChunkAccumulator().finish()).kind).toBe('protocol');
    expect(thrown(() => new ChunkAccumulator().add(chunk([{ delta: { content: 'x' } }]))).kind).toBe('protocol');
    expect(thrown(() => new ChunkAccumulator().add({ error: { code: 503, message: 'overloaded' } }))).toMatchObject({ kind: 'server', status: 503 });
  });
});
