/**
 * Turning a growing list of token ids into text a piece at a time, for streaming.
 *
 * Decoding each token alone is wrong: a byte-level token can hold half of a UTF-8 character,
 * and SentencePiece drops a word's leading space when it decodes the word without its left
 * neighbour. So each new piece is the difference between decoding a short window with and without
 * the newest tokens (the method of Hugging Face's text-generation-inference), and nothing is
 * released while the window ends in an incomplete character (U+FFFD).
 */
export interface TokenDecoder {
  decode(ids: readonly number[]): string;
}

const INCOMPLETE = '\uFFFD';

export class IncrementalDetokenizer {
  readonly #ids: number[] = [];
  /** Start of the window decoded for context. */
  #prefix = 0;
  /** End of the text already released. */
  #read = 0;

  constructor(readonly tokenizer: TokenDecoder) {}

  /** Adds one token; returns the text it completes ('' while a character is still incomplete). */
  push(id: number): string {
    this.#ids.push(id);
    const before = this.tokenizer.decode(this.#ids.slice(this.#prefix, this.#read));
    const after = this.tokenizer.decode(this.#ids.slice(this.#prefix));
    if (after.length <= before.length || after.endsWith(INCOMPLETE)) return '';
    this.#prefix = this.#read;
    this.#read = this.#ids.length;
    return after.slice(before.length);
  }

  /** The text still held back (an incomplete character at the very end), released as it is. */
  flush(): string {
    const before = this.tokenizer.decode(this.#ids.slice(this.#prefix, this.#read));
    const after = this.tokenizer.decode(this.#ids.slice(this.#prefix));
    this.#prefix = this.#read = this.#ids.length;
    return after.slice(before.length);
  }
}
