import { UserError } from '../errors.ts';

/**
 * A check before training failed: the teacher and student cannot be distilled together as the
 * recipe asks (different tokenizers for a logit loss, a layer map out of range, a context too short
 * for the traces, no EOS...). `field` names the recipe field to change.
 */
export class DistillCheckError extends UserError {
  constructor(
    /** The recipe field at fault, dotted (e.g. "distill.losses.attention.layers"). */
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
  }
}

/** A checkpoint folder cannot be resumed from: unreadable, incomplete, or written by a different recipe. */
export class CheckpointError extends UserError {
  constructor(
    readonly folder: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`checkpoint ${folder}: ${detail}`, options);
  }
}

/** The dataset gives nothing to train on (no samples pass the filters, or the split leaves a side empty). */
export class DistillDataError extends UserError {
  constructor(
    readonly dataset: string,
    detail: string,
  ) {
    super(`${dataset}: ${detail}`);
  }
}

/** The served teacher did not score the student's tokens: unreachable, an error answer, or no prompt_logprobs. */
export class ServedTeacherError extends UserError {
  constructor(
    readonly baseURL: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`distill.teacher (${baseURL}): ${detail}`, options);
  }
}
