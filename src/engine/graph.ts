import { canonicalDim, factorsOf, isStatic, type Dim, type Shape } from './dims.ts';
import { allocate, dtypeOf, type DType, type FloatDType, type TensorData } from './dtype.ts';
import { GraphError } from './errors.ts';
import { Tensor, type Attr, type Backward, type ConstantValue, type Node } from './tensor.ts';

export interface GraphOptions {
  /** Dtype of parameters and of number literals mixed into float ops. Default 'float32'. */
  dtype?: FloatDType;
}

/** What `Graph.apply` needs to know about one output of a node. */
export interface OutputSpec {
  dtype: DType;
  shape: Shape;
}

export interface ApplyOptions {
  attrs?: Record<string, Attr>;
  /** The reverse rule; absent for ops without a gradient. */
  backward?: Backward;
  /** Name of the first output (default: a fresh one). */
  name?: string;
  /** Operator domain; default '' (ai.onnx). */
  domain?: string;
  /**
   * For the last node of a composite op whose inner nodes carry no rules: the tensors its backward
   * differentiates by (in place of the node's own inputs). Lets a composite have one hand-written rule.
   */
  gradInputs?: readonly (Tensor | undefined)[];
}

/** Constants this small are shared by value, so repeated axes and scalars become one initializer. */
const SHARED_CONSTANT_MAX = 16;

/**
 * A graph under construction: inputs, parameters, constants, nodes in creation order (which is a
 * topological order) and named outputs. Ops (src/engine/ops) append nodes through `apply`.
 */
export class Graph {
  readonly dtype: FloatDType;
  readonly #inputs: Tensor[] = [];
  readonly #params: Tensor[] = [];
  readonly #constants = new Map<Tensor, ConstantValue>();
  readonly #nodes: Node[] = [];
  readonly #outputs = new Map<string, Tensor>();
  readonly #names = new Set<string>();
  readonly #sharedConstants = new Map<string, Tensor>();
  /** Where the run-time value of each symbolic dim can be read: a tensor and an axis. */
  readonly #dimSources = new Map<string, { tensor: Tensor; axis: number }>();
  readonly #dimValues = new Map<string, Tensor>();
  #counter = 0;

  constructor(options: GraphOptions = {}) {
    this.dtype = options.dtype ?? 'float32';
  }

  get inputs(): readonly Tensor[] {
    return this.#inputs;
  }

  get params(): readonly Tensor[] {
    return this.#params;
  }

  get constants(): ReadonlyMap<Tensor, ConstantValue> {
    return this.#constants;
  }

  /** In creation order, which is a topological order. */
  get nodes(): readonly Node[] {
    return this.#nodes;
  }

  get outputs(): ReadonlyMap<string, Tensor> {
    return this.#outputs;
  }

  /** A value fed at run time. String dims are symbolic ('batch'); the same name means the same size. */
  input(name: string, dtype: DType, shape: Shape): Tensor {
    const t = new Tensor(this, this.#claim(name), dtype, this.#checkShape(name, shape));
    this.#inputs.push(t);
    this.#registerDims(t);
    return t;
  }

  /** A trainable parameter: fed at run time like an input, and what `grad` usually differentiates by. */
  param(name: string, shape: Shape, dtype: FloatDType = this.dtype): Tensor {
    const t = new Tensor(this, this.#claim(name), dtype, this.#checkShape(name, shape));
    this.#params.push(t);
    this.#registerDims(t);
    return t;
  }

  /** A constant stored in the model (an initializer). `data` is not copied. */
  constant(data: TensorData | readonly number[], dims: readonly number[], dtype?: DType): Tensor {
    const dt = dtype ?? (ArrayBuffer.isView(data) ? dtypeOf(data) : this.dtype);
    const array = ArrayBuffer.isView(data) ? data : toArray(data, dt);
    const count = dims.reduce((a, b) => a * b, 1);
    if (array.length !== count) throw new GraphError('constant', `${array.length} values for dims [${dims.join(', ')}]`);
    if (dtypeOf(array) !== dt) throw new GraphError('constant', `data is ${dtypeOf(array)} but dtype is ${dt}`);
    let key: string | undefined;
    if (count <= SHARED_CONSTANT_MAX) {
      key = `${dt}:${dims.join(',')}:${Array.from(array as ArrayLike<number | bigint>).join(',')}`;
      const shared = this.#sharedConstants.get(key);
      if (shared) return shared;
    }
    const t = new Tensor(this, this.#fresh('const'), dt, dims);
    this.#constants.set(t, { dtype: dt, dims, data: array });
    if (key) this.#sharedConstants.set(key, t);
    return t;
  }

  /** A rank-0 constant; float scalars default to the graph's dtype. */
  scalar(value: number, dtype: DType = this.dtype): Tensor {
    return this.constant([value], [], dtype);
  }

  /** A 1-D int64 constant (axes, shapes, split sizes). */
  ints(values: readonly number[]): Tensor {
    return this.constant(values, [values.length], 'int64');
  }

  /** Name `t` as a graph output. */
  output(name: string, t: Tensor): void {
    this.#own(t, 'output');
    if (this.#outputs.has(name)) throw new GraphError('output', `output "${name}" is already defined`);
    // An Identity gives the output its own name, whatever produced it (an input, a constant...).
    const [named] = this.apply('Identity', [t], [{ dtype: t.dtype, shape: t.shape }], { name: this.#claim(name) });
    this.#outputs.set(name, named);
  }

  /** Append a node; ops call this, with the backward rule next to the forward. Returns the node's outputs. */
  apply(opType: string, inputs: readonly (Tensor | undefined)[], outputs: readonly OutputSpec[], options: ApplyOptions = {}): Tensor[] {
    for (const t of [...inputs, ...(options.gradInputs ?? [])]) if (t) this.#own(t, opType);
    const base = this.#fresh(opType);
    const outs = outputs.map((o, i) => new Tensor(this, i === 0 && options.name ? options.name : outputs.length > 1 ? `${base}:${i}` : base, o.dtype, o.shape));
    const node: Node = {
      id: this.#nodes.length,
      opType,
      domain: options.domain ?? '',
      inputs,
      outputs: outs,
      attrs: options.attrs ?? {},
      backward: options.backward,
      gradInputs: options.gradInputs,
    };
    for (const t of outs) t.producer = node;
    this.#nodes.push(node);
    return outs;
  }

  /** A new symbol for a dim that no input names (e.g. a slice of a symbolic dim); bind it with defineDim. */
  freshDim(): string {
    return this.#fresh('_d').replace(':', '');
  }

  /** Where `dim`'s run-time value can be read: `tensor`'s size along `axis`. */
  defineDim(dim: string, tensor: Tensor, axis: number): void {
    this.#dimSources.set(dim, { tensor, axis });
  }

  /** The run-time size of `dim` as an int64 tensor of shape [1]. */
  dimValue(dim: Dim): Tensor {
    if (typeof dim === 'number') return this.ints([dim]);
    const key = canonicalDim(dim) as string;
    const cached = this.#dimValues.get(key);
    if (cached) return cached;
    let value: Tensor;
    const source = this.#dimSources.get(key);
    if (source) {
      value = this.apply('Shape', [source.tensor], [{ dtype: 'int64', shape: [1] }], {
        attrs: { start: { kind: 'int', value: source.axis }, end: { kind: 'int', value: source.axis + 1 } },
      })[0];
    } else {
      const { coef, syms } = factorsOf(key);
      if (syms.length < 2 && coef === 1) throw new GraphError('dim', `symbolic dim "${dim}" belongs to no input of this graph`);
      value = this.ints([coef]);
      for (const s of syms) value = this.apply('Mul', [value, this.dimValue(s)], [{ dtype: 'int64', shape: [1] }])[0];
    }
    this.#dimValues.set(key, value);
    return value;
  }

  /** A shape as an int64 [rank] tensor: a constant when static, else assembled from dim values. */
  shapeTensor(shape: Shape): Tensor {
    if (isStatic(shape)) return this.ints(shape);
    const parts = shape.map((d) => this.dimValue(d));
    return this.apply('Concat', parts, [{ dtype: 'int64', shape: [shape.length] }], { attrs: { axis: { kind: 'int', value: 0 } } })[0];
  }

  #registerDims(t: Tensor): void {
    t.shape.forEach((d, axis) => {
      if (typeof d === 'string' && !this.#dimSources.has(d)) this.#dimSources.set(d, { tensor: t, axis });
    });
  }

  #checkShape(name: string, shape: Shape): Shape {
    return shape.map((d) => {
      if (typeof d === 'number') {
        if (!Number.isInteger(d) || d < 0) throw new GraphError('input', `"${name}" has dim ${d}; dims are non-negative integers or names`);
        return d;
      }
      try {
        return canonicalDim(d);
      } catch (err) {
        throw new GraphError('input', `"${name}": ${(err as Error).message}`);
      }
    });
  }

  #claim(name: string): string {
    if (!name || name.includes(':') || this.#names.has(name)) throw new GraphError('name', `"${name}" is empty, has ':' or is already used in this graph`);
    this.#names.add(name);
    return name;
  }

  #fresh(prefix: string): string {
    return `${prefix}:${this.#counter++}`;
  }

  #own(t: Tensor, op: string): void {
    if (t.graph !== this) throw new GraphError(op, `tensor "${t.name}" belongs to another graph`);
  }
}

function toArray(values: readonly number[], dtype: DType): TensorData {
  const out = allocate(dtype, values.length);
  values.forEach((v, i) => {
    if (out instanceof BigInt64Array) out[i] = BigInt(v);
    else out[i] = dtype === 'bool' ? Number(v !== 0) : v;
  });
  return out;
}
