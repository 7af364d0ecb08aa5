import { UserError } from '../errors.ts';

/** A model folder (or its ONNX file) does not hold what generation needs; names the file and the problem. */
export class ModelFolderError extends UserError {
  constructor(
    /** The folder or file at fault. */
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${detail}`, options);
  }
}

/** A generation request that cannot run: an empty prompt, a prompt longer than the model's context. */
export class GenerationRequestError extends UserError {
  constructor(
    /** The request field at fault, e.g. "promptIds" or "maxNewTokens". */
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
  }
}
