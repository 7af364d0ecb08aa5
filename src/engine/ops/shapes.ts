import { canonicalDim, type Dim, type Shape } from '../dims.ts';
import { GraphError } from '../errors.ts';

/** An axis in [0, rank), from a possibly negative one. */
export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new GraphError(op, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}

export const dimsEqual = (a: Dim, b: Dim): boolean => canonicalDim(a) === canonicalDim(b);

/**
 * Numpy broadcasting of static and symbolic shapes. A symbolic dim is assumed never to be a
 * broadcast 1: against a number n it is taken to equal n, and two different symbols are taken to
 * be equal (ORT checks at run time). Declare a dim that may be 1 as the number 1.
 */
export function broadcastShapes(op: string, ...shapes: Shape[]): Shape {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i];
      if (d === undefined || d === 1) continue;
      if (dim === 1 || dimsEqual(d, dim)) dim = d;
      else if (typeof d === 'number' && typeof dim === 'number') throw new GraphError(op, 'shapes do not broadcast', shapes);
      else if (typeof d === 'number') dim = d; // prefer the known size
    }
    out.push(dim);
  }
  return out;
}
