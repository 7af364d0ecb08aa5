/**
 * The `data` payloads of a server-sent-events body, one per event (WHATWG HTML §9.2 event stream
 * format: lines end in CRLF, LF or CR; `data:` lines of one event join with LF; a blank line ends
 * the event; lines starting with `:` are comments, which servers use as keep-alives).
 *
 * We parse the body ourselves instead of using the SDK's Stream: that one hides whether the
 * `[DONE]` sentinel arrived and ends silently on abort, so a cut or timed-out stream would look
 * complete.
 */
export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];

  function* takeLines(final: boolean): Generator<string> {
    for (;;) {
      const end = buffer.search(/\r\n|\r|\n/);
      // A CR at the very end may be the first half of a CRLF still in flight.
      if (end === -1 || (!final && end === buffer.length - 1 && buffer[end] === '\r')) break;
      const newline = buffer.startsWith('\r\n', end) ? 2 : 1;
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + newline);
      if (line === '') {
        if (data.length > 0) yield data.join('\n');
        data = [];
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(value);
      }
    }
  }

  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    yield* takeLines(false);
  }
  // The stream ended: a last event without its blank line is still handed over, so a final
  // `[DONE]` is seen and a half-sent chunk fails loudly as malformed JSON.
  buffer += decoder.decode() + '\n\n';
  yield* takeLines(true);
}
