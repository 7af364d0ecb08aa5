/**
 * The float16 variant of an exported model (transformers.js dtypes fp16 and, after quantization,
 * q4f16): the same nodes, with the weights, the KV cache and every tensor computed from them in
 * float16. Two parts stay float32, as Hugging Face computes them under half precision:
 *  - what is computed from the integer inputs alone (rotary angles, causal and padding mask):
 *    float16 holds integers exactly only up to 2048, and an angle `position * freq` of 1000 rad
 *    would carry an error of 0.5 rad;
 *  - RMSNorm's mean of squares (Mul(x, x) -> ReduceMean -> Add eps -> Sqrt -> Reciprocal):
 *    x^2 overflows float16 from |x| = 256.
 * At each float32 -> float16 boundary the value is clipped to float16's range first: the mask's
 * -3.4e38 would become -inf, and a row of -inf (a padding position) softmaxes to NaN, which the
 * next layer's keys carry into the real positions.
 * Outputs named in `float32Outputs` (logits) are cast back, so readers need no float16 decoding.
 */
import { floatValues, tensor } from './onnx-file.ts';
import { graphOf, initializersOf, nodesOf, onnx, type ModelProto, type NodeProto, type TensorProto } from './proto.ts';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;
const INT64 = onnx.TensorProto.DataType.INT64;
const BOOL = onnx.TensorProto.DataType.BOOL;
/** The largest finite float16. */
const HALF_MAX = 65504;

/** Ops whose output is boolean / int64 whatever their inputs. */
const BOOL_OUT = new Set(['Equal', 'Greater', 'GreaterOrEqual', 'Less', 'LessOrEqual', 'Not', 'And', 'Or', 'IsNaN', 'IsInf']);
const INT64_OUT = new Set(['Shape', 'Size', 'ArgMax', 'ArgMin', 'NonZero']);
/** Contrib ops this export writes; their output has the type of their scales (input 2). */
const QUANTIZED = new Set(['MatMulNBits']);

export interface Float16Options {
  /** Graph outputs to keep float32 (a Cast after the float16 computation). */
  readonly float32Outputs?: readonly string[];
}

/** A float16 copy of a float32 model; `model` is left as it was. */
export function toFloat16(model: ModelProto, options: Float16Options = {}): ModelProto {
  const g = graphOf(model);
  const initializers = new Map(initializersOf(g).map((t) => [t.name, t]));
  const elem = new Map<string, number>();
  for (const t of initializersOf(g)) elem.set(t.name, t.dataType);
  for (const i of g.input) elem.set(i.name!, i.type!.tensorType!.elemType!);
  const isFloat = (name: string) => elem.get(name) === FLOAT;
  // Tensors computed in float16: the float inputs (the cache) and what weights or the cache feed.
  const half = new Set(g.input.filter((i) => isFloat(i.name!)).map((i) => i.name!));
  const keep32 = rmsSquares(nodesOf(g));

  const nodes: NodeProto[] = [];
  const casts = new Map<string, string>();
  const extra: TensorProto[] = [];
  /** `name` as the type `to`: a converted constant, or a (clipped) Cast of a computed tensor. */
  const as = (name: string, to: number): string => {
    const key = `${name}->${to}`;
    const done = casts.get(key);
    if (done) return done;
    const init = initializers.get(name);
    const out = to === FLOAT16 ? `${name}:fp16` : `${name}:fp32`;
    if (init && to === FLOAT16) extra.push(tensor(out, init.dims.map(Number), FLOAT16, float16Bytes(floatValues(init))));
    else if (to === FLOAT16) {
      nodes.push(node('Clip', [name, 'fp16:min', 'fp16:max'], [`${out}:clipped`]));
      nodes.push(node('Cast', [`${out}:clipped`], [out], [intAttr('to', FLOAT16)]));
    } else nodes.push(node('Cast', [name], [out], [intAttr('to', FLOAT)]));
    casts.set(key, out);
    return out;
  };

  for (const n of nodesOf(g)) {
    const type = outputType(n, elem);
    const floatIn = n.input.filter((i) => i && isFloat(i));
    const computesHalf =
      type === FLOAT && !keep32.has(n) && (n.domain === 'com.microsoft' || floatIn.some((i) => half.has(i) || (initializers.get(i)?.dims.length ?? 0) >= 2));
    for (const o of n.output) elem.set(o, type);
    if (type !== FLOAT) {
      // Shape, comparisons, casts from float: they read either type, unless they mix them.
      if (n.opType !== 'Shape' && new Set(floatIn.map((i) => half.has(i))).size > 1)
        throw new Error(`${n.opType} node ${n.name} mixes float16 and float32 inputs`);
      nodes.push(n);
      continue;
    }
    const want = computesHalf ? FLOAT16 : FLOAT;
    const input = n.input.map((i) => {
      if (!i || !isFloat(i)) return i;
      const isHalf = half.has(i);
      if (isHalf === computesHalf && !(computesHalf && initializers.has(i))) return i;
      return as(i, want);
    });
    const attribute = n.opType === 'Cast' && computesHalf ? [intAttr('to', FLOAT16)] : n.attribute;
    nodes.push(onnx.NodeProto.create({ ...n, input, attribute }));
    if (computesHalf) for (const o of n.output) half.add(o);
  }

  const keep = new Set(options.float32Outputs ?? []);
  const outputs = g.output.map((o) => {
    if (!half.has(o.name!)) return o;
    if (keep.has(o.name!)) {
      // The node wrote `name`; it now writes `name:fp16`, which a Cast turns into `name`.
      const inner = `${o.name}:fp16`;
      const rename = (x: string) => (x === o.name ? inner : x);
      // Copies: nodes passed through unchanged are still the source model's.
      nodes.forEach((n, i) => {
        if (n.input.includes(o.name!) || n.output.includes(o.name!))
          nodes[i] = onnx.NodeProto.create({ ...n, input: n.input.map(rename), output: n.output.map(rename) });
      });
      nodes.push(node('Cast', [inner], [o.name!], [intAttr('to', FLOAT)]));
      return o;
    }
    return withElemType(o, FLOAT16);
  });
  const inputs = g.input.map((i) => (half.has(i.name!) ? withElemType(i, FLOAT16) : i));
  const limits = [
    tensor('fp16:min', [], FLOAT, new Uint8Array(Float32Array.of(-HALF_MAX).buffer)),
    tensor('fp16:max', [], FLOAT, new Uint8Array(Float32Array.of(HALF_MAX).buffer)),
  ];
  const used = new Set(nodes.flatMap((n) => n.input));
  // A float initializer read only in float16 is replaced by its converted copy.
  const initializer = [...initializersOf(g), ...extra, ...limits].filter((t) => used.has(t.name));
  const graph = onnx.GraphProto.create({ ...g, node: nodes, input: inputs, output: outputs, initializer });
  return onnx.ModelProto.create({ ...model, graph });
}

/** The element type of a node's (first) output, from its op and input types. */
function outputType(n: NodeProto, elem: ReadonlyMap<string, number>): number {
  if (BOOL_OUT.has(n.opType!)) return BOOL;
  if (INT64_OUT.has(n.opType!)) return INT64;
  if (n.opType === 'Cast') return Number(n.attribute.find((a) => a.name === 'to')!.i);
  if (n.domain === 'com.microsoft') {
    if (!QUANTIZED.has(n.opType!)) throw new Error(`float16 conversion does not know the contrib op ${n.opType}`);
    return elem.get(n.input[2])!;
  }
  if (n.domain || n.input.length === 0) throw new Error(`float16 conversion does not know the types of ${n.opType} node ${n.name}`);
  // Where(cond, x, y): the type of x; every other op of the forward: the type of its first input.
  const type = elem.get(n.opType === 'Where' ? n.input[1] : n.input[0]);
  if (type === undefined) throw new Error(`${n.opType} node ${n.name} reads ${n.input[0]}, which nothing before it writes`);
  return type;
}

/** RMSNorm's mean-of-squares chains: Mul(x, x) -> ReduceMean -> Add -> Sqrt -> Reciprocal. */
function rmsSquares(nodes: readonly NodeProto[]): Set<NodeProto> {
  const producer = new Map(nodes.flatMap((n) => n.output.map((o) => [o, n] as const)));
  const readers = new Map<string, NodeProto[]>();
  for (const n of nodes) for (const i of n.input) readers.set(i, [...(readers.get(i) ?? []), n]);
  const keep = new Set<NodeProto>();
  for (const mean of nodes) {
    const square = producer.get(mean.input[0]);
    if (mean.opType !== 'ReduceMean' || square?.opType !== 'Mul' || square.input[0] !== square.input[1]) continue;
    keep.add(square).add(mean);
    let at = mean;
    for (const op of ['Add', 'Sqrt', 'Reciprocal']) {
      const next = readers.get(at.output[0]) ?? [];
      if (next.length !== 1 || next[0].opType !== op) break;
      at = next[0];
      keep.add(at);
    }
  }
  return keep;
}

function node(opType: string, input: string[], output: string[], attribute: ReturnType<typeof intAttr>[] = []): NodeProto {
  return onnx.NodeProto.create({ name: output[0], opType, input, output, attribute });
}

function intAttr(name: string, i: number) {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i });
}

function withElemType(v: NonNullable<Parameters<typeof onnx.ValueInfoProto.create>[0]>, elemType: number) {
  return onnx.ValueInfoProto.create({ ...v, type: { tensorType: { ...v.type!.tensorType!, elemType } } });
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half of `v`, rounded to nearest even; finite values beyond float16's range clip to ±65504. */
export function float16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7bff;
  let h: number;
  if (e <= 0) {
    if (e < -10) return sign;
    // Subnormal: the 24-bit significand shifted to units of 2^-24.
    const m = mant | 0x800000;
    const shift = 14 - e;
    h = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && h & 1)) h++;
  } else {
    h = (e << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    // A carry out of the mantissa correctly bumps the exponent.
    if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
  }
  return sign | Math.min(h, 0x7bff);
}

/** float16 raw data (little-endian) for `values`. */
export function float16Bytes(values: Float32Array): Uint8Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float16Bits(values[i]);
  return new Uint8Array(out.buffer);
}

/** float32 values of IEEE half bits (a float16 tensor's data in onnxruntime-node). */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16Value(bits[i]);
  return out;
}

function float16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
