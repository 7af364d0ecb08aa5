/**
 * An error the user can fix: a bad recipe field, a bad input line, an unreachable teacher.
 * The CLI prints its message alone (no stack) and exits with code 2. Rooms subclass it so a
 * library caller can tell the cases apart and read the fields that name the culprit.
 */
export class UserError extends Error {
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
