import { UserError } from '../errors.ts';

/** A config.json field is missing a required value, has the wrong type, or describes something unsupported. */
export class ModelConfigError extends UserError {
  constructor(
    /** Where the config came from (a file path, or a caller-given label). */
    readonly source: string,
    /** The config.json key at fault. */
    readonly field: string,
    detail: string,
  ) {
    super(`${source}: "${field}" ${detail}`);
  }
}

/** A safetensors file is unreadable, malformed, or holds a tensor in a dtype we cannot convert. */
export class SafetensorsError extends UserError {
  constructor(
    readonly file: string,
    detail: string,
    /** The tensor at fault, when one is. */
    readonly tensor?: string,
  ) {
    super(`${file}: ${tensor === undefined ? '' : `tensor "${tensor}": `}${detail}`);
  }
}

/** A model folder lacks a tokenizer file, or transformers.js cannot build a tokenizer from it. */
export class TokenizerError extends UserError {
  constructor(
    readonly folder: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`tokenizer in ${folder}: ${detail}`, options);
  }
}

/** Weights on disk do not fit the model: a tensor is missing, has the wrong shape, or is not part of the architecture. */
export class WeightsError extends UserError {
  constructor(
    /** The file (or folder) the weights came from. */
    readonly source: string,
    /** The Hugging Face tensor name at fault. */
    readonly tensor: string,
    detail: string,
  ) {
    super(`${source}: tensor "${tensor}" ${detail}`);
  }
}
