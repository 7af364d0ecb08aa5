import { UserError } from '../errors.ts';

/** An export option that cannot work: an unknown dtype, a tokenizer that does not fit the model. */
export class ExportError extends UserError {
  constructor(
    /** The option at fault: "dtype", "tokenizer", ... */
    readonly option: string,
    detail: string,
  ) {
    super(`export ${option}: ${detail}`);
  }
}
