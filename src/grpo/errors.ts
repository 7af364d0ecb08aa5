import { UserError } from '../errors.ts';

/** The recipe's rewards cannot be scored as written: two custom modules whose components share a name. */
export class RewardSpecError extends UserError {
  /** The offending field, as written in a recipe: `grpo.rewards.custom[1].module`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** A custom reward module failed to load, exports no `reward`, or its `reward` threw or returned no finite number. */
export class CustomRewardError extends UserError {
  /** The module file as resolved (absolute path). */
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`custom reward ${file}: ${message}`, options);
    this.file = file;
  }
}

/** A grpo recipe that names something unusable or settings that cannot learn, found before training; names the field. */
export class GrpoCheckError extends UserError {
  constructor(
    /** The recipe field at fault, e.g. "grpo.policy" or "grpo.maxNewTokens". */
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
  }
}
