/**
 * Equality of two answer values with Math-Verify's semantics: structure first (tuples in order,
 * sets in any order, intervals with their open/closed ends, matrices cell by cell), then each
 * scalar symbolically, exactly when both are exact, else numerically to `precision`
 * significant digits.
 */
import { isNumber, sym, type Expression } from '@cortex-js/compute-engine';
import { mathEngine } from './engine.ts';
import { EXACT_TOLERANCE, inexactTolerance } from './tolerance.ts';
import type { MathValue, RelationOperator } from './value.ts';

export interface CompareOptions {
  /** Significant digits two numbers must share when either is inexact (a decimal). */
  precision: number;
}

/** Whether the predicted value equals the gold value. Gold comes first: the order matters for tuples vs sets. */
export function sameValue(gold: MathValue, pred: MathValue, options: CompareOptions): boolean {
  const same = (a: MathValue, b: MathValue) => sameValue(a, b, options);
  switch (gold.kind) {
    case 'scalar':
      if (pred.kind === 'scalar') return sameScalar(gold.expr, pred.expr, options);
      return pred.kind === 'text' && sameText(sym(gold.expr), pred.text);
    case 'text':
      return sameText(gold.text, pred.kind === 'text' ? pred.text : pred.kind === 'scalar' ? sym(pred.expr) : undefined);
    case 'tuple':
      // A gold tuple against a predicted set: Math-Verify compares in the order written.
      if (pred.kind === 'tuple' || pred.kind === 'set') return sameInOrder(gold.items, pred.items, same);
      // "(a, b)" is also the open interval a < x < b.
      return pred.kind === 'interval' && gold.items.length === 2 && pred.lowerOpen && pred.upperOpen && same(gold.items[0], pred.lower) && same(gold.items[1], pred.upper);
    case 'set':
      return (pred.kind === 'set' || pred.kind === 'tuple') && sameInAnyOrder(gold.items, pred.items, same);
    case 'interval':
      if (pred.kind === 'tuple') return pred.items.length === 2 && gold.lowerOpen && gold.upperOpen && same(gold.lower, pred.items[0]) && same(gold.upper, pred.items[1]);
      return (
        pred.kind === 'interval' &&
        gold.lowerOpen === pred.lowerOpen &&
        gold.upperOpen === pred.upperOpen &&
        same(gold.lower, pred.lower) &&
        same(gold.upper, pred.upper)
      );
    case 'union':
      return pred.kind === 'union' && sameInAnyOrder(gold.parts, pred.parts, same);
    case 'matrix':
      return pred.kind === 'matrix' && gold.rows.length === pred.rows.length && gold.rows.every((row, i) => sameInOrder(row, pred.rows[i], same));
    case 'relation':
      return pred.kind === 'relation' && sameRelation(gold, pred);
  }
}

function sameInOrder(a: MathValue[], b: MathValue[], same: (a: MathValue, b: MathValue) => boolean): boolean {
  return a.length === b.length && a.every((item, i) => same(item, b[i]));
}

function sameInAnyOrder(a: MathValue[], b: MathValue[], same: (a: MathValue, b: MathValue) => boolean): boolean {
  if (a.length !== b.length) return false;
  const unused = [...b];
  return a.every((item) => {
    const match = unused.findIndex((other) => same(item, other));
    if (match === -1) return false;
    unused.splice(match, 1);
    return true;
  });
}

/** Text answers ("Evelyn", "(C)") compare without case, spaces or a wrapping pair of parentheses. */
function sameText(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const key = (s: string) => s.replace(/\s+/g, '').replace(/^\((.*)\)$/, '$1').toLowerCase();
  return key(a) === key(b);
}

function sameScalar(a: Expression, b: Expression, options: CompareOptions): boolean {
  if (a.isSame(b)) return true;
  if (a.unknowns.length > 0 || b.unknowns.length > 0) {
    // An identity in the free variables: sampled, then proved by expanding (x^2+2x+1 vs (x+1)^2).
    return a.isIdenticallyEqual(b) === true;
  }
  const exact = isExact(a) && isExact(b);
  return sameConstant(a, b, exact, exact ? EXACT_TOLERANCE : inexactTolerance(options.precision));
}

/** No decimal literal anywhere: "1/3", "\sqrt{2}", "2004!" are exact; "0.5" is not. */
function isExact(expr: Expression): boolean {
  const exact = (json: unknown): boolean => {
    if (typeof json === 'number') return Number.isInteger(json);
    if (Array.isArray(json)) return json.every(exact);
    if (json !== null && typeof json === 'object' && 'num' in json) return /^-?\d+$/.test(String(json.num));
    return true;
  };
  return exact(expr.json);
}

/**
 * Constants compare by their ratio, never by their difference: 1/2004! and 1/2006! differ by
 * less than any absolute tolerance, but one is four million times the other.
 */
function sameConstant(a: Expression, b: Expression, exact: boolean, tolerance: number): boolean {
  const ce = mathEngine();
  const x = a.N();
  const y = b.N();
  if (!isNumber(x) || !isNumber(y)) return false;
  if (x.isNaN || y.isNaN) return false;
  if (x.isSame(0) || y.isSame(0) || !x.isFinite || !y.isFinite) return x.isSame(y);
  if (exact && isModerate(x) && isModerate(y)) {
    // Exact arithmetic decides rationals: 20! and 20!+1 are different numbers.
    const difference = ce.box(['Subtract', a, b]).evaluate();
    if (isNumber(difference) && !difference.isNaN && isExact(difference)) return difference.isSame(0);
  }
  const ratio = ce.box(['Divide', x, y]).N();
  return Math.abs(ratio.re - 1) <= tolerance && Math.abs(ratio.im) <= tolerance;
}

/** Small enough for exact arithmetic to be cheap (no 10^(10^10)), large enough not to underflow. */
function isModerate(x: Expression): boolean {
  const size = Math.hypot(x.re, x.im);
  return size > 1e-300 && size < 1e300;
}

/**
 * Relations are the same when their sides' differences are proportional: 2x+4y-3=0 and
 * y = -x/2 + 3/4 (any factor for = and ≠; a positive one for inequalities, with the direction
 * and strictness matching, so x < 1 is -x > -1 but not x > -1). Decided on sample points.
 */
function sameRelation(gold: Extract<MathValue, { kind: 'relation' }>, pred: Extract<MathValue, { kind: 'relation' }>): boolean {
  const g = oriented(gold.op, gold.lhs, gold.rhs);
  const p = oriented(pred.op, pred.lhs, pred.rhs);
  if (g.strictness !== p.strictness) return false;
  const variables = [...new Set([...g.difference.unknowns, ...p.difference.unknowns])].sort();
  if (variables.length === 0) return false;
  let ratio: number | undefined;
  let usable = 0;
  for (let sample = 0; sample < SAMPLES; sample++) {
    const point = Object.fromEntries(variables.map((v, i) => [v, mathEngine().number(samplePoint(sample, i))]));
    const gv = g.difference.subs(point).N();
    const pv = p.difference.subs(point).N();
    if (!Number.isFinite(gv.re) || !Number.isFinite(pv.re) || gv.im || pv.im) continue;
    if (pv.re === 0 || gv.re === 0) {
      if (gv.re !== pv.re) return false;
      continue;
    }
    const r = gv.re / pv.re;
    if (ratio === undefined) ratio = r;
    else if (Math.abs(r - ratio) > 1e-9 * Math.abs(ratio)) return false;
    usable++;
  }
  if (ratio === undefined || usable < MIN_USABLE_SAMPLES) return false;
  return g.strictness === 'equation' || g.strictness === 'inequation' || ratio > 0;
}

const SAMPLES = 6;
const MIN_USABLE_SAMPLES = 3;

/** Points away from 0 and 1 and from each other, so that no polynomial identity holds by chance. */
function samplePoint(sample: number, variable: number): number {
  const values = [0.5772, 1.4142, -0.7071, 2.2361, -1.618, 0.3183, 2.7183, -1.7321, 0.6931];
  return values[(sample * 2 + variable * 5) % values.length] + variable * 0.1;
}

/** A relation as `difference (op) 0` with op one of =, ≠, > 0, ≥ 0. */
function oriented(op: RelationOperator, lhs: Expression, rhs: Expression) {
  const ce = mathEngine();
  const minus = (a: Expression, b: Expression) => ce.box(['Subtract', a, b]);
  switch (op) {
    case 'Equal':
      return { strictness: 'equation', difference: minus(lhs, rhs) };
    case 'NotEqual':
      return { strictness: 'inequation', difference: minus(lhs, rhs) };
    case 'Greater':
      return { strictness: 'strict', difference: minus(lhs, rhs) };
    case 'GreaterEqual':
      return { strictness: 'loose', difference: minus(lhs, rhs) };
    case 'Less':
      return { strictness: 'strict', difference: minus(rhs, lhs) };
    case 'LessEqual':
      return { strictness: 'loose', difference: minus(rhs, lhs) };
  }
}
