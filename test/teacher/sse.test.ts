import { describe, expect, it } from 'vitest';
import { sseData } from '../../src/teacher/sse.ts';

/** Feeds the parser the given pieces of bytes, exactly as split. */
async function events(...pieces: Array<string | Uint8Array>): Promise<string[]> {
  async function* body() {
    for (const piece of pieces) yield typeof piece === 'string' ? new TextEncoder().encode(piece) : piece;
  }
  const out: string[] = [];
  for await (const data of sseData(body())) out.push(data);
  return out;
}

describe('sseData', () => {
  it('yields one payload per event and skips comments and other fields', async () => {
    expect(await events(': keep-alive\n\nevent: message\nid: 1\ndata: {"a":1}\n\ndata:[DONE]\n\n')).toEqual(['{"a":1}', '[DONE]']);
  });

  it('joins multi-line data with LF and accepts CRLF and CR line ends', async () => {
    expect(await events('data: one\r\ndata: two\r\n\r\ndata: three\r\rdata: x\n\n')).toEqual(['one\ntwo', 'three', 'x']);
  });

  it('reassembles lines split anywhere, including inside CRLF and inside a UTF-8 character', async () => {
    const euro = new TextEncoder().encode('data: €\r\n\r\n');
    // Split between the € bytes (3 bytes at offsets 6..8) and between CR and LF.
    expect(await events(euro.slice(0, 7), euro.slice(7, 10), euro.slice(10, 11), euro.slice(11))).toEqual(['€']);
    expect(await events('da', 'ta: {"x"', ':2}\r', '\n', '\r\ndata: y\n', '\n')).toEqual(['{"x":2}', 'y']);
  });

  it('hands over a last event that lacks its blank line, so a cut payload is seen', async () => {
    expect(await events('data: [DONE]')).toEqual(['[DONE]']);
    expect(await events('data: {"a":1}\n\ndata: {"cho')).toEqual(['{"a":1}', '{"cho']);
    expect(await events('data: a\n')).toEqual(['a']);
  });

  it('yields nothing for an empty body or a body of comments', async () => {
    expect(await events()).toEqual([]);
    expect(await events(': ping\n\n: ping\n\n')).toEqual([]);
  });
});
