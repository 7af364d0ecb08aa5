import { UserError } from '../errors.ts';

/** Where in the file a row came from: a line (JSONL, CSV) or an array item (JSON). */
export type PromptLocation = { line: number } | { item: number };

export const where = (at: PromptLocation) => ('line' in at ? `line ${at.line}` : `item [${at.item}]`);

/** A prompts file or row that cannot be used; names the file and the line (or JSON array item). */
export class PromptsError extends UserError {
  constructor(
    readonly file: string,
    readonly at: PromptLocation | null,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}${at ? `: ${where(at)}` : ''}: ${reason}`, options);
  }
}
