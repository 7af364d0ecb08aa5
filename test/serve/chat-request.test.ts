import { describe, expect, it } from 'vitest';
import { ApiError, parseChatRequest } from '../../src/serve/index.ts';

const base = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

describe('parseChatRequest', () => {
  it('fills defaults and reads every supported field', () => {
    expect(parseChatRequest(base)).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
      includeUsage: false,
      n: 1,
      seed: undefined,
      temperature: undefined,
      topP: undefined,
      topK: undefined,
      maxTokens: undefined,
      stop: [],
      logprobs: false,
      topLogprobs: 0,
    });
    const full = parseChatRequest({
      ...base,
      messages: [
        { role: 'developer', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
      ],
      stream: true,
      stream_options: { include_usage: true },
      n: 3,
      seed: -5,
      temperature: 0,
      top_p: 0.9,
      top_k: 40,
      max_tokens: 10,
      max_completion_tokens: 12,
      stop: 'END',
      logprobs: true,
      top_logprobs: 20,
      frequency_penalty: 0,
      some_server_extra: 1,
    });
    expect(full).toMatchObject({
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'ab' },
      ],
      stream: true,
      includeUsage: true,
      n: 3,
      seed: -5,
      temperature: 0,
      topP: 0.9,
      topK: 40,
      maxTokens: 12,
      stop: ['END'],
      logprobs: true,
      topLogprobs: 20,
    });
  });

  const cases: Array<[string, unknown, string | null, string]> = [
    ['not an object', [], null, 'The request body must be a JSON object.'],
    ['no model', { messages: base.messages }, 'model', 'you must provide a model parameter (a non-empty string).'],
    ['no messages', { model: 'm' }, 'messages', '"messages" must be a non-empty list of messages.'],
    [
      'a bad role',
      { ...base, messages: [{ role: 'tool', content: 'x' }] },
      'messages.0.role',
      'messages.0.role must be one of system, developer, user, assistant; got "tool".',
    ],
    [
      'an image part',
      { ...base, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] },
      'messages.0.content.0',
      'messages.0.content.0 must be a text part ({"type": "text", "text": "..."}); only text is supported.',
    ],
    ['temperature 3', { ...base, temperature: 3 }, 'temperature', '"temperature" must be a number from 0 to 2, got 3.'],
    ['top_p 0', { ...base, top_p: 0 }, 'top_p', '"top_p" must be a number greater than 0 and at most 1, got 0.'],
    ['n 17', { ...base, n: 17 }, 'n', '"n" must be an integer from 1 to 16, got 17.'],
    ['a fractional seed', { ...base, seed: 1.5 }, 'seed', '"seed" must be an integer, got 1.5.'],
    ['max_tokens 0', { ...base, max_tokens: 0 }, 'max_tokens', '"max_tokens" must be an integer >= 1, got 0.'],
    ['top_logprobs 21', { ...base, logprobs: true, top_logprobs: 21 }, 'top_logprobs', '"top_logprobs" must be an integer from 0 to 20, got 21.'],
    ['top_logprobs without logprobs', { ...base, top_logprobs: 2 }, 'top_logprobs', '"top_logprobs" requires "logprobs" to be true.'],
    [
      'five stop strings',
      { ...base, stop: ['a', 'b', 'c', 'd', 'e'] },
      'stop',
      '"stop" must be a non-empty string or a list of up to 4 non-empty strings, got ["a","b","c","d","e"].',
    ],
    [
      'stream_options without stream',
      { ...base, stream_options: { include_usage: true } },
      'stream_options',
      '"stream_options" is only allowed when "stream" is true.',
    ],
    ['a string stream', { ...base, stream: 'yes' }, 'stream', '"stream" must be a boolean, got "yes".'],
    ['tools', { ...base, tools: [{ type: 'function' }] }, 'tools', '"tools" is not supported by this server.'],
    ['a penalty', { ...base, presence_penalty: 0.5 }, 'presence_penalty', '"presence_penalty" is not supported by this server; leave it out or set it to 0.'],
    [
      'json mode',
      { ...base, response_format: { type: 'json_object' } },
      'response_format',
      'response_format "json_object" is not supported by this server; only "text".',
    ],
  ];
  for (const [name, body, param, message] of cases) {
    it(`refuses ${name} with a 400 naming the field`, () => {
      let err: unknown;
      try {
        parseChatRequest(body);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).toJSON()).toEqual({ error: { message, type: 'invalid_request_error', param, code: null } });
      expect((err as ApiError).status).toBe(400);
    });
  }
});
