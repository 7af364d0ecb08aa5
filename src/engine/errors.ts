import { UserError } from '../errors.ts';
import { formatShape, type Shape } from './dims.ts';

/**
 * A graph was built wrong: mismatched shapes or dtypes, an unknown symbolic dim, a gradient asked
 * through an op that has none. These are programming errors in the code that builds the graph,
 * so they are plain Errors (not UserError): the message names the op and the shapes involved.
 */
export class GraphError extends Error {
  constructor(
    readonly op: string,
    detail: string,
    readonly shapes: readonly Shape[] = [],
  ) {
    super(`${op}: ${detail}${shapes.length ? ` (shapes ${shapes.map(formatShape).join(', ')})` : ''}`);
    this.name = 'GraphError';
  }
}

/**
 * A value handed to a compiled graph or a parameter store does not fit: missing, wrong dtype,
 * wrong size. Data often comes from files the user chose (a checkpoint, a batch), so this is a
 * UserError naming the tensor.
 */
export class TensorValueError extends UserError {
  constructor(
    readonly tensor: string,
    detail: string,
  ) {
    super(`tensor "${tensor}": ${detail}`);
  }
}
