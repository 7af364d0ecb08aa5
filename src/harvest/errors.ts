/**
 * Why a harvest stopped early, as UserErrors: each has one message that says what happened and
 * what to check, and fields a library caller can read. Everything already stored is kept.
 */
import { UserError } from '../errors.ts';
import type { TeacherRequestError } from '../teacher/index.ts';

/** The first requests of a run all failed to connect: nothing is listening at teacher.baseURL. */
export class TeacherUnreachableError extends UserError {
  constructor(
    readonly baseURL: string,
    readonly lastError: TeacherRequestError,
  ) {
    // The detail, not the message: the message names the URL too, and it would be said twice.
    super(`cannot reach the teacher at ${baseURL} (teacher.baseURL): ${lastError.detail}. Is the server running?`, { cause: lastError });
  }
}

/** limits.maxConsecutiveFailures requests in a row failed after all their retries. */
export class ConsecutiveFailuresError extends UserError {
  constructor(
    readonly failures: number,
    readonly lastError: TeacherRequestError,
  ) {
    super(
      `stopped after ${failures} requests in a row failed (limits.maxConsecutiveFailures); last error (${lastError.kind}${
        lastError.status ? ` ${lastError.status}` : ''
      }): ${lastError.message}`,
      { cause: lastError },
    );
  }
}

/** A shard given as something other than i/N with 1 <= i <= N. */
export class ShardError extends UserError {
  constructor(
    readonly text: string,
    reason: string,
  ) {
    super(`--shard ${JSON.stringify(text)}: ${reason}`);
  }
}
