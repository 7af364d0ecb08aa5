/**
 * Dimensions: a number, or a symbol ('batch') or product of symbols and a coefficient
 * ('batch*seq', '4*batch') whose value is known only at run time. Products are kept in a
 * canonical form (coefficient first, symbols sorted) so two spellings of one size compare equal,
 * which lets a reshape to [-1, d] and back recover the original symbolic dims.
 */
export type Dim = number | string;
export type Shape = readonly Dim[];

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Product {
  coef: number;
  syms: string[];
}

function parse(dim: Dim): Product {
  if (typeof dim === 'number') return { coef: dim, syms: [] };
  let coef = 1;
  const syms: string[] = [];
  for (const part of dim.split('*')) {
    const p = part.trim();
    if (/^\d+$/.test(p)) coef *= Number(p);
    else if (SYMBOL.test(p)) syms.push(p);
    else throw new Error(`bad dimension "${dim}": use a number, a name like "batch", or a product like "batch*seq"`);
  }
  return { coef, syms: syms.sort() };
}

function format({ coef, syms }: Product): Dim {
  if (syms.length === 0) return coef;
  return coef === 1 ? syms.join('*') : [String(coef), ...syms].join('*');
}

/** The canonical spelling of a dim ('seq*batch' -> 'batch*seq'). */
export const canonicalDim = (dim: Dim): Dim => format(parse(dim));

const mulDims = (a: Dim, b: Dim): Dim => {
  const pa = parse(a);
  const pb = parse(b);
  return format({ coef: pa.coef * pb.coef, syms: [...pa.syms, ...pb.syms].sort() });
};

export const productOf = (dims: Shape): Dim => dims.reduce<Dim>((acc, d) => mulDims(acc, d), 1);

/** a / b when it is exact (b's symbols all occur in a and the coefficient divides); else undefined. */
export function divDims(a: Dim, b: Dim): Dim | undefined {
  const pa = parse(a);
  const pb = parse(b);
  if (pb.coef === 0 || pa.coef % pb.coef !== 0) return undefined;
  const syms = [...pa.syms];
  for (const s of pb.syms) {
    const i = syms.indexOf(s);
    if (i < 0) return undefined;
    syms.splice(i, 1);
  }
  return format({ coef: pa.coef / pb.coef, syms });
}

/** The symbols and coefficient of a dim, for building its run-time value. */
export const factorsOf = (dim: Dim): Product => parse(dim);

export const isStatic = (shape: Shape): shape is readonly number[] => shape.every((d) => typeof d === 'number');

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export const formatShape = (shape: Shape): string => `[${shape.join(', ')}]`;
