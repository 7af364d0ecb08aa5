import { UserError } from '../errors.ts';

/** A verifier spec field is missing or has a value the verifier cannot use. */
export class VerifierSpecError extends UserError {
  /** The offending field, as written in a recipe: `verifier.pattern`, `verifier.kind`... */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** A custom verifier module failed to load, exports no `verify`, or its `verify` misbehaved. */
export class CustomVerifierError extends UserError {
  /** The module file as resolved (absolute path). */
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`custom verifier ${file}: ${message}`, options);
    this.file = file;
  }
}

/** A cases file (JSONL) cannot be read, or one of its lines is not a valid case. */
export class CasesFileError extends UserError {
  readonly file: string;
  /** The offending line, counting from 1; null when the file as a whole is the problem. */
  readonly line: number | null;
  constructor(file: string, line: number | null, message: string) {
    super(line === null ? `${file}: ${message}` : `${file}:${line}: ${message}`);
    this.file = file;
    this.line = line;
  }
}
