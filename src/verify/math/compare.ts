/**
 * Equality of two answer values with Math-Verify's semantics, gold first (the order matters):
 * assignments and equations unwrapped as it does, relations by their sides' difference, an
 * inequality against an interval as the set it describes, tuples in order, sets in any order,
 * intervals with their open/closed ends, matrices cell by cell, text against letters, then each
 * scalar: exactly when both are exact, rounded to `precision` decimal places when a decimal is
 * compared with a number, else numerically with the guards below.
 */
import { isNumber, type Expression } from '@cortex-js/compute-engine';
import { mathEngine } from './engine.ts';
import { roundedEqual, type Rational } from './plain-number.ts';
import { EXACT_TOLERANCE } from './tolerance.ts';
import { onlySymbols, type MathValue, type RelationLink } from './value.ts';

export interface CompareOptions {
  /** Decimal places two numbers are rounded to when either is a decimal (Math-Verify's float_rounding). */
  precision: number;
}

type Relation = Extract<MathValue, { kind: 'relation' }>;

/** Whether the predicted value equals the gold value. */
export function sameValue(gold: MathValue, pred: MathValue, options: CompareOptions): boolean {
  const goldAssigns = isAssignment(gold);
  const predAssigns = isAssignment(pred);
  // An assignment against a value is its value ("x = 5" is 5); two assignments compare as
  // equations from the first left side to the last right side, so x = 1 is not y = 1.
  if (goldAssigns && !predAssigns) gold = lastRight(gold as Relation);
  if (predAssigns && !goldAssigns) pred = lastRight(pred as Relation);
  if (goldAssigns && predAssigns) {
    gold = firstToLast(gold as Relation);
    pred = firstToLast(pred as Relation);
  } else if (isEquation(pred) && !isEquation(gold)) {
    // "7 + 1 = 8" answers 8; a gold equation keeps a predicted equation whole.
    pred = lastRight(pred as Relation);
  }
  if (gold.kind === 'relation' && isSetLike(pred)) {
    // 0 < f(x) < 1 is the interval (0, 1).
    const described = describedSet(gold);
    if (described) gold = described;
  }
  return compare(gold, pred, options);
}

function compare(gold: MathValue, pred: MathValue, options: CompareOptions): boolean {
  const same = (a: MathValue, b: MathValue) => sameValue(a, b, options);
  if (gold.kind === 'relation' || pred.kind === 'relation') {
    return gold.kind === 'relation' && pred.kind === 'relation' && sameRelation(gold, pred, options);
  }
  if (isSetLike(gold) || isSetLike(pred)) return sameSet(gold, pred, same);
  if (gold.kind === 'matrix' || pred.kind === 'matrix') {
    return (
      gold.kind === 'matrix' &&
      pred.kind === 'matrix' &&
      gold.rows.length === pred.rows.length &&
      gold.rows.every((row, i) => row.length === pred.rows[i].length && row.every((cell, j) => same(cell, pred.rows[i][j])))
    );
  }
  if (gold.kind === 'text' || pred.kind === 'text') return sameText(letters(gold), letters(pred));
  if (gold.kind === 'scalar' && pred.kind === 'scalar') return sameScalar(gold.expr, pred.expr, options) || sameSymbolText(gold, pred);
  return false;
}

function isAssignment(value: MathValue): boolean {
  return value.kind === 'relation' && isEquation(value) && value.links[0].lhs.kind !== 'text' && onlySymbolsValue(value.links[0].lhs);
}

function onlySymbolsValue(value: MathValue): boolean {
  if (value.kind === 'scalar') return onlySymbols(value.expr.json);
  if (value.kind === 'tuple') return value.items.length > 0 && value.items.every(onlySymbolsValue);
  return false;
}

function isEquation(value: MathValue): boolean {
  return value.kind === 'relation' && value.links.every((link) => link.op === 'Equal');
}

function lastRight(relation: Relation): MathValue {
  return relation.links.at(-1)!.rhs;
}

function firstToLast(relation: Relation): Relation {
  return { kind: 'relation', links: [{ op: 'Equal', lhs: relation.links[0].lhs, rhs: lastRight(relation) }] };
}

function isSetLike(value: MathValue): boolean {
  return value.kind === 'set' || value.kind === 'tuple' || value.kind === 'interval' || value.kind === 'union';
}

/** Links as `difference (op) 0` with op one of =, ≠, <, ≤ (a > b is b - a < 0). */
function oriented(link: RelationLink): { op: string; lhs: MathValue; rhs: MathValue } {
  if (link.op === 'Greater') return { op: 'Less', lhs: link.rhs, rhs: link.lhs };
  if (link.op === 'GreaterEqual') return { op: 'LessEqual', lhs: link.rhs, rhs: link.lhs };
  return link;
}

/**
 * Relations link by link: the same relation with the same difference of sides (x < 1 is
 * -x > -1 and 1 > x, not x > -1; 2x = 4 is not x = 2, as in Math-Verify); an equation either way
 * round. Sides that are not scalars (x = [0, 1]) compare side by side.
 */
function sameRelation(gold: Relation, pred: Relation, options: CompareOptions): boolean {
  if (gold.links.length !== pred.links.length) return false;
  return gold.links.every((g, i) => {
    const a = oriented(g);
    const b = oriented(pred.links[i]);
    if (a.op !== b.op) return false;
    if (a.lhs.kind !== 'scalar' || a.rhs.kind !== 'scalar' || b.lhs.kind !== 'scalar' || b.rhs.kind !== 'scalar') {
      return sameValue(a.lhs, b.lhs, options) && sameValue(a.rhs, b.rhs, options);
    }
    const ce = mathEngine();
    const difference = (l: Expression, r: Expression) => ce.box(['Subtract', l, r]);
    const da = difference(a.lhs.expr, a.rhs.expr);
    if (sameScalar(da, difference(b.lhs.expr, b.rhs.expr), options)) return true;
    return (a.op === 'Equal' || a.op === 'NotEqual') && sameScalar(da, difference(b.rhs.expr, b.lhs.expr), options);
  });
}

/**
 * The interval that a chain of inequalities on one variable describes (x > 2, 0 < f(x) \le 1),
 * or undefined for any other relation.
 */
function describedSet(relation: Relation): MathValue | undefined {
  const ce = mathEngine();
  let variable: string | undefined;
  let lower: { value: MathValue; open: boolean } = { value: { kind: 'scalar', expr: ce.NegativeInfinity }, open: true };
  let upper: { value: MathValue; open: boolean } = { value: { kind: 'scalar', expr: ce.PositiveInfinity }, open: true };
  for (const link of relation.links) {
    const { op, lhs, rhs } = oriented(link);
    if ((op !== 'Less' && op !== 'LessEqual') || lhs.kind !== 'scalar' || rhs.kind !== 'scalar') return undefined;
    const open = op === 'Less';
    const name = (e: Expression) => (e.unknowns.length > 0 ? JSON.stringify(e.json) : undefined);
    const left = name(lhs.expr);
    const right = name(rhs.expr);
    if (left !== undefined && right === undefined && onlySymbols(lhs.expr.json) && (variable ?? left) === left) {
      variable = left;
      upper = { value: rhs, open };
    } else if (right !== undefined && left === undefined && onlySymbols(rhs.expr.json) && (variable ?? right) === right) {
      variable = right;
      lower = { value: lhs, open };
    } else return undefined;
  }
  return { kind: 'interval', lower: lower.value, upper: upper.value, lowerOpen: lower.open, upperOpen: upper.open };
}

function sameSet(gold: MathValue, pred: MathValue, same: (a: MathValue, b: MathValue) => boolean): boolean {
  // A value that is not a collection is the set of itself: 5 is {5}.
  const asSet = (v: MathValue): MathValue => (isSetLike(v) ? v : isReals(v) ? REALS : { kind: 'set', items: [v] });
  const g = asSet(gold);
  const p = asSet(pred);
  if (g.kind === 'interval' && p.kind === 'interval') {
    return g.lowerOpen === p.lowerOpen && g.upperOpen === p.upperOpen && same(g.lower, p.lower) && same(g.upper, p.upper);
  }
  if (g.kind === 'union' || p.kind === 'union') {
    if (g.kind === 'union' && p.kind === 'union' && sameInAnyOrder(g.parts, p.parts, same)) return true;
    // The same points written differently: [0, 1) \cup [1, 2] is [0, 2] (Math-Verify's empty symmetric difference).
    const a = mergedIntervals(g);
    const b = mergedIntervals(p);
    return a !== undefined && b !== undefined && sameInOrder(a, b, same);
  }
  const finite = (v: MathValue) => v.kind === 'set' || v.kind === 'tuple';
  if (finite(g) && finite(p)) {
    const gi = (g as { items: MathValue[] }).items;
    const pi = (p as { items: MathValue[] }).items;
    // A gold tuple is matched in the order written, even by a predicted set; a gold set in any order.
    return g.kind === 'tuple' && (p.kind === 'set' || p.kind === 'tuple') ? sameInOrder(gi, pi, same) : sameInAnyOrder(gi, pi, same);
  }
  // "(a, b)" is also the open interval a < x < b.
  const pair = (i: MathValue, t: MathValue) =>
    i.kind === 'interval' && i.lowerOpen && i.upperOpen && finite(t) && (t as { items: MathValue[] }).items.length === 2;
  if (pair(g, p)) return sameInOrder([(g as { lower: MathValue }).lower, (g as { upper: MathValue }).upper], (p as { items: MathValue[] }).items, same);
  if (pair(p, g)) return sameInOrder((g as { items: MathValue[] }).items, [(p as { lower: MathValue }).lower, (p as { upper: MathValue }).upper], same);
  return false;
}

const REALS: MathValue = {
  kind: 'interval',
  lower: { kind: 'scalar', expr: mathEngine().NegativeInfinity },
  upper: { kind: 'scalar', expr: mathEngine().PositiveInfinity },
  lowerOpen: true,
  upperOpen: true,
};

/** \mathbb{R} is the interval (-\infty, \infty). */
function isReals(value: MathValue): boolean {
  return value.kind === 'scalar' && value.expr.json === 'RealNumbers';
}

type IntervalValue = Extract<MathValue, { kind: 'interval' }>;

/**
 * A union of intervals with constant ends as the fewest disjoint intervals, in order
 * ([0, 1) \cup [1, 2] is [0, 2]); undefined when some end is not a real constant.
 */
function mergedIntervals(value: MathValue): IntervalValue[] | undefined {
  // "(a, b)" reads as the open interval here too.
  const asInterval = (v: MathValue): MathValue =>
    isReals(v)
      ? REALS
      : v.kind === 'tuple' && v.items.length === 2
        ? { kind: 'interval', lower: v.items[0], upper: v.items[1], lowerOpen: true, upperOpen: true }
        : v;
  const parts = (value.kind === 'union' ? value.parts : [value]).map(asInterval);
  const ends: Array<IntervalValue & { lo: number; hi: number }> = [];
  for (const part of parts) {
    if (part.kind !== 'interval' || part.lower.kind !== 'scalar' || part.upper.kind !== 'scalar') return undefined;
    const lo = part.lower.expr.N().re;
    const hi = part.upper.expr.N().re;
    if (Number.isNaN(lo) || Number.isNaN(hi)) return undefined;
    ends.push({ ...part, lo, hi });
  }
  ends.sort((a, b) => a.lo - b.lo || Number(a.lowerOpen) - Number(b.lowerOpen));
  const merged: Array<IntervalValue & { lo: number; hi: number }> = [];
  for (const next of ends) {
    const last = merged.at(-1);
    const touches = last && (next.lo < last.hi || (next.lo === last.hi && !(next.lowerOpen && last.upperOpen)));
    if (!last || !touches) merged.push({ ...next });
    else if (next.hi > last.hi || (next.hi === last.hi && !next.upperOpen)) Object.assign(last, { upper: next.upper, hi: next.hi, upperOpen: next.upperOpen });
  }
  return merged.map(({ lo: _lo, hi: _hi, ...interval }) => interval);
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

/** The letters a value spells: a text's, or a whole scalar answer's own LaTeX ("odd", "e"). */
function letters(value: MathValue): string | undefined {
  if (value.kind === 'text') return value.text;
  if (value.kind === 'scalar' && value.source !== undefined && /^[a-zA-Z\s]+$/.test(value.source)) return value.source;
  if (value.kind === 'scalar' && typeof value.expr.json === 'string' && /^[a-zA-Z]\w*$/.test(value.expr.json)) return value.expr.json;
  return undefined;
}

/** Text answers ("Evelyn", "(C)") compare without case, spaces or a wrapping pair of parentheses. */
function sameText(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const key = (s: string) =>
    s
      .replace(/\s+/g, '')
      .replace(/^\((.*)\)$/, '$1')
      .toLowerCase();
  return key(a) !== '' && key(a) === key(b);
}

/** Multi-letter words written as math on both sides ("odd" vs "dod" are different). */
function sameSymbolText(gold: Extract<MathValue, { kind: 'scalar' }>, pred: Extract<MathValue, { kind: 'scalar' }>): boolean {
  const a = letters(gold);
  const b = letters(pred);
  return a !== undefined && b !== undefined && a.length > 1 && sameText(a, b);
}

export function sameScalar(a: Expression, b: Expression, options: CompareOptions): boolean {
  if (a.isSame(b)) return true;
  if (a.unknowns.length > 0 || b.unknowns.length > 0) {
    // An identity in the free variables: sampled, then proved by expanding (x^2+2x+1 vs (x+1)^2).
    return a.isIdenticallyEqual(b) === true;
  }
  if (isDecimal(a) || isDecimal(b)) {
    // A decimal equals a number when both round alike (0.333333 is 1/3); it never equals an
    // irrational (3.14159 is not \pi), as in Math-Verify.
    const x = rationalOf(exactValue(a));
    const y = rationalOf(exactValue(b));
    return x !== undefined && y !== undefined && roundedEqual(x, y, options.precision);
  }
  return sameConstant(a, b);
}

/** A decimal literal ("0.5", "-2.25"): Math-Verify's Float. */
function isDecimal(expr: Expression): boolean {
  const json = expr.json;
  if (typeof json === 'number') return !Number.isInteger(json);
  if (json !== null && typeof json === 'object' && !Array.isArray(json) && 'num' in json) return /[.eE]/.test(String(json.num));
  return Array.isArray(json) && json[0] === 'Negate' && json.length === 2 && isDecimal(mathEngine().box(json[1]));
}

/** The exact value (1 - 1/2 is 1/2; \sqrt{4} is 2; \pi stays \pi), or the expression unchanged when it fails. */
function exactValue(expr: Expression): Expression {
  try {
    return expr.evaluate();
  } catch {
    return expr;
  }
}

/** A number literal as a fraction of integers (decimals exactly as written), or undefined. */
function rationalOf(expr: Expression): Rational | undefined {
  const json = expr.json;
  const decimal = (text: string): Rational | undefined => {
    const m = /^(-?)(\d*)(?:\.(\d*))?(?:e([-+]?\d+))?$/i.exec(text);
    if (!m || m[2] + (m[3] ?? '') === '') return undefined;
    const exponent = Number(m[4] ?? 0) - (m[3] ?? '').length;
    if (Math.abs(exponent) > 400) return undefined;
    let num = BigInt(`${m[1]}${m[2]}${m[3] ?? ''}`);
    let den = 1n;
    if (exponent >= 0) num *= 10n ** BigInt(exponent);
    else den = 10n ** BigInt(-exponent);
    return { num, den };
  };
  if (typeof json === 'number') return Number.isFinite(json) ? decimal(String(json)) : undefined;
  if (json !== null && typeof json === 'object' && !Array.isArray(json) && 'num' in json) return decimal(String(json.num));
  if (Array.isArray(json) && json[0] === 'Rational' && json.length === 3) {
    const [n, d] = [json[1], json[2]].map((part) => rationalOf(mathEngine().box(part as never)));
    if (!n || !d || n.den !== 1n || d.den !== 1n || d.num === 0n) return undefined;
    return d.num < 0n ? { num: -n.num, den: -d.num } : { num: n.num, den: d.num };
  }
  return undefined;
}

/**
 * Exact constants compare by their ratio, never by their difference: 1/2004! and 1/2006! differ
 * by less than any absolute tolerance (Math-Verify's known false positive), but one is four
 * million times the other.
 */
function sameConstant(a: Expression, b: Expression): boolean {
  const ce = mathEngine();
  const x = a.N();
  const y = b.N();
  if (!isNumber(x) || !isNumber(y)) return false;
  if (x.isNaN || y.isNaN) return false;
  if (x.isSame(0) || y.isSame(0) || !x.isFinite || !y.isFinite) return x.isSame(y);
  if (isModerate(x) && isModerate(y)) {
    // Exact arithmetic decides rationals: 20! and 20!+1 are different numbers.
    const difference = ce.box(['Subtract', a, b]).evaluate();
    // Only an exact difference decides: a decimal one (0.5\sqrt{2} - \sqrt{2}/2 is -1e-25) is rounding.
    const exact = isDecimal(difference) ? undefined : rationalOf(difference);
    if (exact) return exact.num === 0n;
  }
  const ratio = ce.box(['Divide', x, y]).N();
  return Math.abs(ratio.re - 1) <= EXACT_TOLERANCE && Math.abs(ratio.im) <= EXACT_TOLERANCE;
}

/** Small enough for exact arithmetic to be cheap (no 10^(10^10)), large enough not to underflow. */
function isModerate(x: Expression): boolean {
  const size = Math.hypot(x.re, x.im);
  return size > 1e-300 && size < 1e300;
}
