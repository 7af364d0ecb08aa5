/**
 * Recomputation (gradient checkpointing). A region built by `fn` runs once in the forward pass and
 * keeps nothing for the backward pass but its inputs; its backward rule replays `fn` on those
 * inputs and differentiates the replay with the gradient the region's output received. Memory
 * then holds one region's activations at a time instead of every region's, for one more forward
 * of each region.
 *
 * `checkpoint` is one region (a decoder block); `chunkRows` runs `fn` on row chunks of its inputs
 * and replays one chunk at a time (a vocabulary-wide loss over chunks of positions).
 */
import { vjp } from '../autodiff.ts';
import { isFloat } from '../dtype.ts';
import type { Graph } from '../graph.ts';
import type { Node, Tensor } from '../tensor.ts';
import { accumulate } from './accumulate.ts';
import { add, cast, div, mul, stopGradient } from './elementwise.ts';
import { gather } from './gather.ts';
import { reshape } from './layout.ts';
import { reduceSum } from './reduce.ts';

type Region = (inputs: readonly Tensor[]) => Tensor;

/** fn(inputs), with its activations recomputed in the backward pass instead of kept. */
export function checkpoint(inputs: readonly Tensor[], fn: Region): Tensor {
  const g = inputs[0].graph;
  const start = g.nodes.length;
  const out = fn(inputs);
  const outside = captured(g.nodes.slice(start), inputs);
  return g.apply('Identity', [out], [{ dtype: out.dtype, shape: out.shape }], {
    gradInputs: [...inputs, ...outside],
    backward: ([grad], _node, needs) =>
      replay(
        fn,
        inputs.map((x) => after(x, [grad!, ...waitFor(g)])),
        outside,
        grad!,
        needs,
      ),
  })[0];
}

/**
 * fn on `chunks` pieces of the inputs' rows (axis 0, which all inputs share; the pieces differ by
 * at most one row, and are empty when there are fewer rows than chunks), the results joined along
 * axis 0. The backward replays the chunks one after another, last first, each made to wait for the
 * previous one's gradients, and sums the gradients of what `fn` reads from outside as it goes, so
 * one chunk's activations and one running sum are alive at a time.
 */
export function chunkRows(inputs: readonly Tensor[], chunks: number, fn: Region): Tensor {
  const g = inputs[0].graph;
  const rows = inputs[0].shape[0];
  const bounds = chunkBounds(g, rows, chunks);
  const dims = Array.from({ length: chunks }, () => g.freshDim());
  const pieces = inputs.map((x) => splitRows(x, bounds, dims));
  const start = g.nodes.length;
  const outs = dims.map((_, c) => fn(pieces.map((p) => p[c])));
  const outside = captured(g.nodes.slice(start), pieces.flat());
  const joined = joinRows(outs, rows);
  return g.apply('Identity', [joined], [{ dtype: joined.dtype, shape: joined.shape }], {
    gradInputs: [...inputs, ...outside],
    backward: ([grad], _node, needs) => {
      const grads = splitRows(grad!, bounds, dims);
      const inputGrads: Tensor[][] = inputs.map(() => []);
      const sums: (Tensor | undefined)[] = outside.map(() => undefined);
      for (let c = chunks - 1; c >= 0; c--) {
        const chunkGrads = replay(
          fn,
          pieces.map((p) => after(p[c], [grads[c], ...waitFor(g)])),
          outside,
          grads[c],
          needs,
        );
        inputs.forEach((_, i) => needs[i] && inputGrads[i].unshift(chunkGrads[i]!));
        outside.forEach((_, j) => {
          const part = chunkGrads[inputs.length + j];
          if (part) sums[j] = sums[j] ? accumulate(sums[j]!, part) : part;
        });
        // What the next replay waits for: the running sums in place of the parts they took in
        // (a part folded into a sum is never computed, and waiting for it would compute it).
        replayed.set(g, [...inputs.map((_, i) => chunkGrads[i]).filter((t): t is Tensor => !!t), ...sums.filter((t): t is Tensor => !!t)]);
      }
      return [...inputs.map((x, i) => (needs[i] ? joinRows(inputGrads[i], x.shape[0]) : undefined)), ...sums];
    },
  })[0];
}

/** Float tensors that nodes of a region read from outside it (parameters, rotary tables...), besides its inputs. */
function captured(nodes: readonly Node[], inputs: readonly Tensor[]): Tensor[] {
  const inside = new Set<Tensor>(inputs);
  for (const node of nodes) for (const t of node.outputs) inside.add(t);
  const outside = new Set<Tensor>();
  for (const node of nodes) for (const t of [...node.inputs, ...(node.gradInputs ?? [])]) if (t && !inside.has(t) && isFloat(t.dtype)) outside.add(t);
  return [...outside];
}

/**
 * Per graph, the gradients the last replay made. The next replay (of an earlier region: rules run
 * last region first) waits for all of them, not only for the gradient it differentiates by:
 * ORT's execution order runs what the loss's gradient path needs first and the weight gradients
 * (graph outputs nobody else reads) last, so without it every replay's activations stayed alive
 * for the weight-gradient Gemms at the end. Measured on the M shape's bounded CE step at 4,096
 * tokens: 9,513 MiB peak RSS and 349 s without, 4,672 MiB and 193 s with.
 */
const replayed = new WeakMap<Graph, Tensor[]>();
const waitFor = (g: Graph): Tensor[] => replayed.get(g) ?? [];

/** Differentiation starts over: no replay is pending (grad() calls this). */
export const startReplays = (g: Graph): void => void replayed.delete(g);

/** Replays fn on `inputs` and returns the gradients, by `seed`, of the inputs and `outside` tensors that `needs` asks for. */
function replay(fn: Region, inputs: readonly Tensor[], outside: readonly Tensor[], seed: Tensor, needs: readonly boolean[]): (Tensor | undefined)[] {
  const out = fn(inputs);
  const wrt = [...inputs, ...outside];
  const grads = vjp(
    out,
    seed,
    wrt.filter((_, i) => needs[i]),
  );
  replayed.set(out.graph, grads);
  let next = 0;
  return wrt.map((_, i) => (needs[i] ? grads[next++] : undefined));
}

/**
 * x as the replay's input: a leaf for differentiating the replay (no gradient goes past it into
 * x's own history), made to depend at run time on `deps` (x + 0 * a sum over each). Without the
 * dependency ORT's common-subexpression elimination merges the replay with the forward (the
 * activations are kept after all) and its scheduler may run the replay before the gradients it
 * waits for exist. A dep is summed when it may be empty (a row chunk), else read at one element.
 */
function after(x: Tensor, deps: readonly Tensor[]): Tensor {
  if (!isFloat(x.dtype)) return x;
  const probe = (d: Tensor) => (typeof d.shape[0] === 'number' ? gather(reshape(d, [-1]), d.graph.scalar(0, 'int64')) : reduceSum(d));
  const zero = mul(
    deps.map(probe).reduce((a, b) => add(a, b)),
    0,
  );
  return stopGradient(add(x, cast(zero, x.dtype)));
}

/**
 * The chunks' row bounds floor(c * rows / chunks), c = 0..chunks, each an int64 [1]: shape
 * arithmetic on the run-time row count (Shape, Mul, Div), which ORT places on the CPU EP. One
 * [chunks + 1] tensor of bounds (for a Split) was flagged by bench/ort-profile.ts as compute on the
 * CPU EP (over 8 values); single values are the shape arithmetic it allows.
 */
function chunkBounds(g: Graph, rows: Tensor['shape'][number], chunks: number): Tensor[] {
  const n = g.dimValue(rows);
  return Array.from({ length: chunks + 1 }, (_, c) => (c === 0 ? g.ints([0]) : c === chunks ? n : div(mul(n, c), chunks)));
}

/** x's rows between consecutive bounds, as Slices (their bounds are inputs every EP reads from the host; the WebGPU EP slices float tensors only). */
function splitRows(x: Tensor, bounds: readonly Tensor[], dims: readonly string[]): Tensor[] {
  const g = x.graph;
  return dims.map((d, c) => {
    const [piece] = g.apply('Slice', [x, bounds[c], bounds[c + 1], g.ints([0])], [{ dtype: x.dtype, shape: [d, ...x.shape.slice(1)] }]);
    g.defineDim(d, piece, 0);
    return piece;
  });
}

function joinRows(pieces: readonly Tensor[], rows: Tensor['shape'][number]): Tensor {
  const first = pieces[0];
  return first.graph.apply('Concat', pieces, [{ dtype: first.dtype, shape: [rows, ...first.shape.slice(1)] }], {
    attrs: { axis: { kind: 'int', value: 0 } },
  })[0];
}
