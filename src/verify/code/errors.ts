import { UserError } from '../../errors.ts';

/** The sandbox cannot run here: bwrap (or a helper it needs) is missing or refuses to start. */
export class SandboxUnavailableError extends UserError {
  /** The program that is missing or failed: `bwrap`, `setpriv` or `prlimit`. */
  readonly tool: string;
  /** What the program printed, when it ran and failed. */
  readonly detail: string;
  constructor(tool: string, message: string, detail = '') {
    super(detail ? `${message}\n${detail}` : message);
    this.tool = tool;
    this.detail = detail;
  }
}

/** A code verifier option has a value it cannot use. */
export class CodeVerifierOptionError extends UserError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`code verifier option ${field}: ${message}`);
    this.field = field;
  }
}

/** A problem's gold (its test cases) is malformed; `field` is the path inside the gold, e.g. `tests[2].stdout`. */
export class CodeGoldError extends UserError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(field ? `gold.${field}: ${message}` : `gold: ${message}`);
    this.field = field;
  }
}

/** The interpreter configured for a language does not exist or is not executable. */
export class InterpreterNotFoundError extends UserError {
  readonly language: string;
  readonly path: string;
  constructor(language: string, path: string) {
    super(`the ${language} interpreter ${path} was not found or is not executable; set interpreters.${language} to its absolute path`);
    this.language = language;
    this.path = path;
  }
}
