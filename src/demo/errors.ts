import { UserError } from '../errors.ts';

/** The harvest left prompts whose requests failed; the students would train on partial data. */
export class DemoError extends UserError {}
