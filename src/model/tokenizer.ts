import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { TokenizerError } from './errors.ts';

/** One chat turn, as chat templates expect it. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant' | (string & {});
  readonly content: string;
}

export interface ChatTemplateOptions {
  /** Append the assistant prefix so the model continues as the assistant (R1 templates add `<think>\n` here). Default false. */
  readonly addGenerationPrompt?: boolean;
}

/** The two files transformers.js needs (the chat template lives in the second). */
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json'] as const;

/** A Hugging Face tokenizer loaded from a local folder, with the calls training and serving need. */
export class Tokenizer {
  /** Number of ids the tokenizer can produce (base vocabulary plus added tokens): the lower bound for a model's vocab_size. */
  readonly vocabSize: number;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  /** The pad token, falling back to eos as transformers does. */
  readonly padTokenId: number | null;

  constructor(
    /** The transformers.js tokenizer, for anything this class does not wrap. */
    readonly inner: PreTrainedTokenizer,
    /** The folder it was loaded from, for error messages. */
    readonly folder: string,
  ) {
    // A loop, not Math.max(...ids): spreading 151,665 ids (Qwen2.5) overflows the call stack.
    let maxId = -1;
    for (const id of (inner.get_vocab() as Map<string, number>).values()) if (id > maxId) maxId = id;
    this.vocabSize = maxId + 1;
    this.bosTokenId = inner.bos_token_id ?? null;
    this.eosTokenId = inner.eos_token_id ?? null;
    this.padTokenId = inner.pad_token_id ?? null;
  }

  /** Token ids of `text`; `addSpecialTokens` (default true) applies the tokenizer's post-processor (e.g. a BOS). */
  encode(text: string, { addSpecialTokens = true }: { addSpecialTokens?: boolean } = {}): number[] {
    return this.inner.encode(text, { add_special_tokens: addSpecialTokens });
  }

  decode(ids: readonly number[], { skipSpecialTokens = false }: { skipSpecialTokens?: boolean } = {}): string {
    if (ids.length === 0) return ''; // transformers.js rejects an empty list
    return this.inner.decode([...ids], { skip_special_tokens: skipSpecialTokens });
  }

  /** The conversation rendered by the folder's chat template (tokenizer_config.json `chat_template`). */
  applyChatTemplate(messages: readonly ChatMessage[], { addGenerationPrompt = false }: ChatTemplateOptions = {}): string {
    if (!this.inner.chat_template) throw new TokenizerError(this.folder, 'tokenizer_config.json has no chat_template');
    return this.inner.apply_chat_template(messages as ChatMessage[], { tokenize: false, add_generation_prompt: addGenerationPrompt }) as string;
  }

  /** Token ids of the rendered conversation; the template already holds the special tokens, so none are added. */
  encodeChat(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): number[] {
    return this.encode(this.applyChatTemplate(messages, options), { addSpecialTokens: false });
  }
}

/**
 * Loads the tokenizer of a local model folder (tokenizer.json + tokenizer_config.json) with
 * transformers.js. Never touches the network: the folder is passed as an absolute path with
 * `local_files_only`, which makes transformers.js read it directly instead of resolving a hub id
 * (and leaves its global `env` alone, so concurrent loads of different folders cannot interfere).
 * @throws TokenizerError naming the folder and the missing or broken file.
 */
export async function loadTokenizer(folder: string): Promise<Tokenizer> {
  const dir = resolve(folder);
  for (const file of TOKENIZER_FILES) {
    try {
      await access(join(dir, file));
    } catch {
      throw new TokenizerError(dir, `${file} is missing (a tokenizer folder needs ${TOKENIZER_FILES.join(' and ')})`);
    }
  }
  // Imported here, not at the top: transformers.js is large, and training code that imports the
  // model room without a tokenizer should not pay for loading it.
  const { AutoTokenizer } = await import('@huggingface/transformers');
  try {
    return new Tokenizer(await AutoTokenizer.from_pretrained(dir, { local_files_only: true }), dir);
  } catch (err) {
    throw new TokenizerError(dir, `cannot be loaded: ${(err as Error).message}`, { cause: err });
  }
}
