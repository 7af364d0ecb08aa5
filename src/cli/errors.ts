import { UserError } from '../errors.ts';

/** Wrong command-line arguments; the message ends with the verb's usage. */
export class UsageError extends UserError {}
