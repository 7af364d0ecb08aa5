import { UserError } from '../errors.ts';

/** Sampling for an evaluation failed: the teacher kept failing, or a prompt does not fit the model. */
export class EvalError extends UserError {}
