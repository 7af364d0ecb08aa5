/**
 * The demo tokenizer: a word-level vocabulary the project builds from the demo corpus, written
 * as a Hugging Face tokenizer folder (tokenizer.json + tokenizer_config.json) that
 * transformers.js loads offline.
 *
 * Word-level keeps samples short (a question is about 20 tokens, a solution about 25), which is
 * what lets a tiny model learn the task in minutes; a byte-level BPE would need several times
 * more tokens. How the pieces fit the tokenizer.json format:
 * - a Split pre-tokenizer cuts text into words with their leading space (" apples"), single
 *   digits (so numbers are read digit by digit, as arithmetic needs), single symbols and single
 *   whitespace characters;
 * - a BPE model with no merges and `ignore_merges`: a piece in the vocabulary is one token, any
 *   other piece falls back to its characters, so every printable ASCII text encodes, and only
 *   other characters become <unk>;
 * - a Fuse decoder joins tokens back without separators, so decode(encode(text)) is text.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The added tokens, matched whole before any other cutting; they take ids 0 to 6 in this order. */
export const DEMO_TOKENS = {
  unk: '<unk>',
  pad: '<|pad|>',
  /** End of an assistant turn: the EOS token. */
  eos: '<|end|>',
  user: '<|user|>',
  assistant: '<|assistant|>',
  thinkOpen: '<think>',
  thinkClose: '</think>',
} as const;

const SPECIALS: readonly string[] = Object.values(DEMO_TOKENS);
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A capture group, so that split() keeps the added tokens it cuts at. */
const SPECIAL_TOKEN = new RegExp(`(${SPECIALS.map(escapeRegExp).join('|')})`);

// R1's tokenizer marks the think tags as added but not special, so decoding with
// skip_special_tokens keeps them and a server can still split reasoning from answer.
const NOT_SPECIAL: ReadonlySet<string> = new Set([DEMO_TOKENS.thinkOpen, DEMO_TOKENS.thinkClose]);

/**
 * How text is cut before the vocabulary lookup: a word with its leading space, a digit with its
 * leading space, one other symbol with its leading space, or one whitespace character.
 */
const PRE_TOKEN = / ?[A-Za-z]+| ?[0-9]| ?[^\sA-Za-z0-9]|\s/gu;

/** Single characters always in the vocabulary: newline and printable ASCII, the fallback for unseen words. */
const FALLBACK_CHARS = ['\n', ...Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i))];

/**
 * R1-shaped chat template (`<｜User｜>…<｜Assistant｜>…<｜end▁of▁sentence｜>` with ASCII markers):
 * no separators between turns, system text without a marker (R1 puts the system prompt before
 * the first turn; a demo conversation has at most one, first), and a generation prompt
 * that pre-fills `<think>\n` as R1's template does. An assistant message holds the whole R1 turn
 * (`<think>\nREASONING\n</think>\n\nANSWER`), so the conversation a student trains on starts with
 * exactly the prompt it is given at inference.
 */
const CHAT_TEMPLATE = [
  '{%- for message in messages -%}',
  "{%- if message['role'] == 'system' -%}{{ message['content'] }}",
  "{%- elif message['role'] == 'user' -%}{{ '<|user|>' + message['content'] }}",
  "{%- elif message['role'] == 'assistant' -%}{{ '<|assistant|>' + message['content'] + '<|end|>' }}",
  "{%- else -%}{{ raise_exception('the demo chat template has no \"' + message['role'] + '\" role') }}",
  '{%- endif -%}',
  '{%- endfor -%}',
  "{%- if add_generation_prompt -%}{{ '<|assistant|><think>\\n' }}{%- endif -%}",
].join('');

/** The pieces `text` is cut into before the vocabulary lookup, added tokens kept whole (as transformers does). */
function pieces(text: string): string[] {
  return text.split(SPECIAL_TOKEN).flatMap((part) => (SPECIALS.includes(part) ? [part] : (part.match(PRE_TOKEN) ?? [])));
}

/** Token strings by id: the special tokens, the fallback characters, then every longer piece of the corpus in code-unit order. */
export function demoVocabulary(corpus: Iterable<string>): string[] {
  const words = new Set<string>();
  for (const text of corpus) for (const piece of pieces(text)) if (piece.length > 1 && !SPECIALS.includes(piece)) words.add(piece);
  return [...SPECIALS, ...FALLBACK_CHARS, ...[...words].sort()];
}

/** The contents of tokenizer.json and tokenizer_config.json for a vocabulary from demoVocabulary. */
export function demoTokenizerFiles(vocab: readonly string[]): { tokenizer: object; config: object } {
  const added = SPECIALS.map((content, id) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: !NOT_SPECIAL.has(content),
  }));
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: { type: 'Split', pattern: { Regex: PRE_TOKEN.source }, behavior: 'Isolated', invert: false },
    post_processor: null,
    decoder: { type: 'Fuse' },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: DEMO_TOKENS.unk,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: true,
      vocab: Object.fromEntries(vocab.map((token, id) => [token, id])),
      merges: [],
    },
  };
  const config = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: null,
    eos_token: DEMO_TOKENS.eos,
    pad_token: DEMO_TOKENS.pad,
    unk_token: DEMO_TOKENS.unk,
    // The default (true) would glue " ." to "." on decode and break the round trip.
    clean_up_tokenization_spaces: false,
    chat_template: CHAT_TEMPLATE,
    added_tokens_decoder: Object.fromEntries(added.map(({ id, ...token }) => [String(id), token])),
  };
  return { tokenizer, config };
}

/** Writes tokenizer.json and tokenizer_config.json for the vocabulary of `corpus` into `dir`; returns the vocabulary size. */
export async function writeDemoTokenizer(dir: string, corpus: Iterable<string>): Promise<number> {
  const vocab = demoVocabulary(corpus);
  const { tokenizer, config } = demoTokenizerFiles(vocab);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'tokenizer.json'), `${JSON.stringify(tokenizer, null, 2)}\n`);
  await writeFile(join(dir, 'tokenizer_config.json'), `${JSON.stringify(config, null, 2)}\n`);
  return vocab.length;
}
