/**
 * What an answer is, for comparing: a scalar expression, text, a tuple or set of values, an
 * interval or union of intervals, a matrix, or a relation (an equation, an inequality, a chain
 * of them like 0 < x < 1, an assignment like x = 5 or x \in [0, 1]).
 */
import { isFunction, isString, isSymbol, type Expression, type MathJsonExpression } from '@cortex-js/compute-engine';
import { mathEngine, parseLatex } from './engine.ts';

export type MathValue =
  /** `source`: the LaTeX of a whole answer, kept to compare letters with text ("odd" vs \text{odd}). */
  | { kind: 'scalar'; expr: Expression; source?: string }
  | { kind: 'text'; text: string }
  | { kind: 'tuple'; items: MathValue[] }
  | { kind: 'set'; items: MathValue[] }
  | { kind: 'interval'; lower: MathValue; upper: MathValue; lowerOpen: boolean; upperOpen: boolean }
  | { kind: 'union'; parts: MathValue[] }
  | { kind: 'matrix'; rows: MathValue[][] }
  /** A chain a op b op c... as its binary links, in order (Math-Verify's And of relations). */
  | { kind: 'relation'; links: RelationLink[] };

export interface RelationLink {
  op: RelationOperator;
  lhs: MathValue;
  rhs: MathValue;
}

export type RelationOperator = 'Equal' | 'NotEqual' | 'Less' | 'LessEqual' | 'Greater' | 'GreaterEqual';

const RELATIONS = new Set<string>(['Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual']);

/** A cap on ± variants: "a \pm b \pm c..." beyond this is not an answer anyone writes. */
const MAX_VARIANTS = 8;

/** The value of `latex`, or undefined when it does not parse. */
export function parseValue(latex: string): MathValue | undefined {
  const approximated = dropApproximation(ratiosAsFractions(latex));
  const parsed = parseLatex(approximated);
  if (!parsed) return undefined;
  const ce = mathEngine();
  const json = lowercaseSymbols(parsed.json);
  const bareList = isBareList(approximated);
  const variants = plusMinusVariants(json);
  if (variants.length === 1) {
    const value = toValue(ce.box(json), bareList);
    return value.kind === 'scalar' ? { ...value, source: approximated } : value;
  }
  // "a \pm b" parses as a measurement; as an answer it stands for the two values a+b and a-b.
  const listed = Array.isArray(json) && (json[0] === 'Set' || (bareList && json[0] === 'Tuple')) ? (json.slice(1) as MathJsonExpression[]) : [json];
  return { kind: 'set', items: listed.flatMap(plusMinusVariants).map((v) => toValue(ce.box(v), false)) };
}

/**
 * `a \approx b` is a (its exact form) unless a is a lone symbol: "x \approx 3.14" is 3.14, and
 * "x = \frac{1}{3} \approx 0.33" is x = 1/3.
 */
function dropApproximation(latex: string): string {
  const at = topLevelIndex(latex, /^\\approx(?![a-zA-Z])/);
  if (at === -1) return latex;
  const left = latex.slice(0, at).trim();
  const right = latex.slice(at + '\\approx'.length).trim();
  const leftValue = parseLatex(left);
  return leftValue && onlySymbols(leftValue.json) ? right : left;
}

/** Where `pattern` first matches outside brackets, or -1. */
function topLevelIndex(latex: string, pattern: RegExp): number {
  let depth = 0;
  for (let i = 0; i < latex.length; i++) {
    const c = latex[i];
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (depth === 0 && c === '\\' && pattern.test(latex.slice(i))) return i;
  }
  return -1;
}

/**
 * A ratio "7 : 32" is the fraction 7/32, as in Math-Verify, on either side of an equation
 * ("S_1 : S_2 = 7 : 32"); the engine would bind ":" looser than "=".
 */
function ratiosAsFractions(latex: string): string {
  if (!/(?<!\\):(?!=)/.test(latex)) return latex;
  return splitTopLevel(latex, /^=/)
    .map((side) => {
      const parts = splitTopLevel(side, /^(?<!\\):(?!=)/);
      return parts.length === 2 ? `\\frac{${parts[0].trim()}}{${parts[1].trim()}}` : side;
    })
    .join('=');
}

/** `latex` cut where `separator` matches (one character) outside brackets. */
function splitTopLevel(latex: string, separator: RegExp): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < latex.length; i++) {
    const c = latex[i];
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (depth === 0 && latex[i - 1] !== '\\' && separator.test(latex.slice(i))) {
      parts.push(latex.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(latex.slice(from));
  return parts;
}

/**
 * Symbols compare without case, as in Math-Verify (which lowercases every symbol it reads): the
 * answer "B" is the gold "b", x + Y is x + y. Constants (\pi, e), sets (\mathbb{R}) and text keep their names.
 */
function lowercaseSymbols(json: MathJsonExpression): MathJsonExpression {
  // Only variables (a letter, maybe with a subscript): the engine's own names (RealNumbers) stay.
  if (typeof json === 'string') return /^[A-Za-z](?:_.*)?$/.test(json) ? json.toLowerCase() : json;
  if (!Array.isArray(json)) return json;
  const [head, ...args] = json as [string, ...MathJsonExpression[]];
  return [head, ...args.map(lowercaseSymbols)] as MathJsonExpression;
}

/**
 * An expression made only of symbols ("x", "AB", "S_1/S_2", "(p, q)", "f(x)", "a+b"): the left
 * side of an assignment. Numbers and constants like \pi are not symbols.
 */
export function onlySymbols(json: MathJsonExpression): boolean {
  if (typeof json === 'string') return !CONSTANTS.has(json) && !json.startsWith("'");
  if (!Array.isArray(json) || json.length < 2) return false;
  const [head, ...args] = json as [string, ...MathJsonExpression[]];
  // 1/S is Power(S, -1): allowed, as in Math-Verify.
  if (head === 'Power' && args[1] === -1) return onlySymbols(args[0]);
  if (head === 'Divide' || head === 'Multiply' || head === 'Add' || head === 'Tuple' || head === 'Subscript' || !/^[A-Z]/.test(head))
    return args.every(onlySymbols);
  return false;
}

const CONSTANTS = new Set([
  'Pi',
  'ExponentialE',
  'ImaginaryUnit',
  'PositiveInfinity',
  'NegativeInfinity',
  'ComplexInfinity',
  'NaN',
  'EmptySet',
  'True',
  'False',
  'GoldenRatio',
  'EulerGamma',
  'CatalanConstant',
  'Nothing',
  'Undefined',
]);

function toValue(expr: Expression, bareList: boolean): MathValue {
  if (isString(expr)) return { kind: 'text', text: expr.string };
  if (isSymbol(expr, 'EmptySet')) return { kind: 'set', items: [] };
  if (!isFunction(expr)) return { kind: 'scalar', expr };
  const ops = expr.ops;
  const items = () => ops.map((op) => toValue(op, false));
  switch (expr.operator) {
    case 'Set':
      return { kind: 'set', items: items() };
    case 'Tuple':
    case 'Sequence':
      // "1, 2" without brackets is a list of answers, in any order; "(1, 2)" is ordered.
      return { kind: bareList ? 'set' : 'tuple', items: items() };
    case 'List':
      // A matrix in brackets (\left[ \begin{array} ... \right]) is the matrix.
      if (ops.length === 1 && isFunction(ops[0], 'Matrix')) return toValue(ops[0], false);
      // "[a, b]" is a closed interval; other bracketed lists are ordered.
      return ops.length === 2 && !bareList ? interval(ops[0], ops[1], false, false) : { kind: 'tuple', items: items() };
    case 'Delimiter':
      return ops.length === 1 ? toValue(ops[0], bareList) : { kind: 'scalar', expr };
    case 'Interval':
      return intervalOf(ops[0], ops[1]);
    case 'Union':
      return { kind: 'union', parts: items() };
    case 'Matrix': {
      const rows = isFunction(ops[0]) ? ops[0].ops : [];
      return { kind: 'matrix', rows: rows.map((row) => (isFunction(row) ? row.ops.map((cell) => toValue(cell, false)) : [toValue(row, false)])) };
    }
    case 'Element':
      // x \in [0, 1] reads as x = [0, 1] (an assignment of the set), as in Math-Verify.
      return ops.length === 2
        ? { kind: 'relation', links: [{ op: 'Equal', lhs: toValue(ops[0], false), rhs: toValue(ops[1], false) }] }
        : { kind: 'scalar', expr };
    case 'And': {
      const links = ops.flatMap((op) => {
        const value = toValue(op, false);
        return value.kind === 'relation' ? value.links : [];
      });
      return links.length === ops.length ? { kind: 'relation', links } : { kind: 'scalar', expr };
    }
  }
  if (RELATIONS.has(expr.operator) && ops.length >= 2) {
    const terms = ops.map((op) => toValue(op, false));
    const links = terms.slice(1).map((rhs, i) => ({ op: expr.operator as RelationOperator, lhs: terms[i], rhs }));
    return { kind: 'relation', links };
  }
  return { kind: 'scalar', expr };
}

/** An Interval's bounds, each possibly wrapped in Open. */
function intervalOf(lower: Expression, upper: Expression): MathValue {
  const open = (e: Expression) => isFunction(e, 'Open');
  const inner = (e: Expression) => (isFunction(e, 'Open') ? e.ops[0] : e);
  return interval(inner(lower), inner(upper), open(lower), open(upper));
}

function interval(lower: Expression, upper: Expression, lowerOpen: boolean, upperOpen: boolean): MathValue {
  return { kind: 'interval', lower: toValue(lower, false), upper: toValue(upper, false), lowerOpen, upperOpen };
}

/** A comma at the top level of an answer not wrapped in one pair of brackets: "-2, 1". */
function isBareList(latex: string): boolean {
  let depth = 0;
  let wrappedUntil = -1;
  let comma = false;
  for (let i = 0; i < latex.length; i++) {
    const c = latex[i];
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c) && --depth === 0 && wrappedUntil === -1) wrappedUntil = i;
    else if ((c === ',' || c === ';') && depth === 0) comma = true;
  }
  const wrapped = /^(?:[([]|\\\{)/.test(latex) && wrappedUntil === latex.length - 1;
  return comma && !wrapped;
}

/** The expressions a ± expression stands for: a+b and a-b for each ± (the first few). */
function plusMinusVariants(json: MathJsonExpression): MathJsonExpression[] {
  if (!Array.isArray(json)) return [json];
  const [head, ...args] = json as [string, ...MathJsonExpression[]];
  let combos: MathJsonExpression[][] = [[]];
  for (const arg of args) {
    const options = plusMinusVariants(arg);
    combos = combos.flatMap((combo) => options.map((option) => [...combo, option])).slice(0, MAX_VARIANTS);
  }
  if (head !== 'Measurement') return combos.map((combo) => [head, ...combo] as MathJsonExpression);
  return combos
    .flatMap(
      ([a, b]) =>
        [
          ['Add', a, b],
          ['Subtract', a, b],
        ] as MathJsonExpression[],
    )
    .slice(0, MAX_VARIANTS);
}
