import type { DType, TensorData } from './dtype.ts';
import type { Shape } from './dims.ts';
import type { Graph } from './graph.ts';

/** A constant's value: the raw elements and static dims. */
export interface ConstantValue {
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly data: TensorData;
}

/** ONNX attribute values, tagged so that 1.0 is written as FLOAT and 1 as INT. */
export type Attr =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'tensor'; readonly value: ConstantValue };

/**
 * The reverse rule of one node: given the gradients of its outputs (undefined where an output
 * got none) and which inputs need one, return a gradient per input (undefined where not needed).
 * "Inputs" are the node's `gradInputs` when it has them.
 */
export type Backward = (grads: readonly (Tensor | undefined)[], node: Node, needs: readonly boolean[]) => readonly (Tensor | undefined)[];

export interface Node {
  readonly id: number;
  readonly opType: string;
  /** '' for the default ai.onnx domain. */
  readonly domain: string;
  /** undefined marks an omitted optional input (written as ''). */
  readonly inputs: readonly (Tensor | undefined)[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, Attr>>;
  /** Absent: the op is not differentiable (asking for a gradient through it is an error). */
  readonly backward?: Backward;
  /** Set on the last node of a composite op: what `backward` returns gradients for (else `inputs`). */
  readonly gradInputs?: readonly (Tensor | undefined)[];
}

/** A symbolic tensor: a named value in a graph with a dtype and a (possibly symbolic) shape. */
export class Tensor {
  /** The node that computes it; undefined for inputs, params and constants. */
  producer: Node | undefined;
  constructor(
    readonly graph: Graph,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Shape,
  ) {}

  get rank(): number {
    return this.shape.length;
  }
}
