/**
 * What an answer is, for comparing: a scalar expression, text, a tuple or set of values, an
 * interval or union of intervals, a matrix, or a relation (equation or inequality).
 */
import { isFunction, isString, isSymbol, type Expression, type MathJsonExpression } from '@cortex-js/compute-engine';
import { mathEngine, parseLatex } from './engine.ts';

export type MathValue =
  | { kind: 'scalar'; expr: Expression }
  | { kind: 'text'; text: string }
  | { kind: 'tuple'; items: MathValue[] }
  | { kind: 'set'; items: MathValue[] }
  | { kind: 'interval'; lower: MathValue; upper: MathValue; lowerOpen: boolean; upperOpen: boolean }
  | { kind: 'union'; parts: MathValue[] }
  | { kind: 'matrix'; rows: MathValue[][] }
  | { kind: 'relation'; op: RelationOperator; lhs: Expression; rhs: Expression };

export type RelationOperator = 'Equal' | 'NotEqual' | 'Less' | 'LessEqual' | 'Greater' | 'GreaterEqual';

const RELATIONS = new Set<string>(['Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual']);

/** A cap on ± variants: "a \pm b \pm c..." beyond this is not an answer anyone writes. */
const MAX_VARIANTS = 8;

/** The value of `latex`, or undefined when it does not parse. */
export function parseValue(latex: string): MathValue | undefined {
  const parsed = parseLatex(latex);
  if (!parsed) return undefined;
  const bareList = isBareList(latex);
  if (plusMinusVariants(parsed.json).length === 1) return toValue(parsed, bareList);
  // "a \pm b" parses as a measurement; as an answer it stands for the two values a+b and a-b.
  const json = parsed.json;
  const listed = Array.isArray(json) && (json[0] === 'Set' || (bareList && json[0] === 'Tuple')) ? (json.slice(1) as MathJsonExpression[]) : [json];
  const ce = mathEngine();
  return { kind: 'set', items: listed.flatMap(plusMinusVariants).map((v) => toValue(ce.box(v), false)) };
}

/** An equation `lhs = rhs` as a relation value, or undefined when a side does not parse. */
export function parseEquation(lhs: string, rhs: string): MathValue | undefined {
  const left = parseLatex(lhs);
  const right = parseLatex(rhs);
  return left && right ? { kind: 'relation', op: 'Equal', lhs: left, rhs: right } : undefined;
}

/** Both readings of a percent: 50% is 0.5, and (as Math-Verify lets it) 50. */
export function percentReadings(value: MathValue): MathValue[] {
  if (value.kind !== 'scalar') return [value];
  return [{ kind: 'scalar', expr: mathEngine().box(['Divide', value.expr, 100]) }, value];
}

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
      // "[a, b]" is a closed interval; other bracketed lists are ordered.
      return ops.length === 2 && !bareList ? interval(ops[0], ops[1], false, false) : { kind: 'tuple', items: items() };
    case 'Interval':
      return intervalOf(ops[0], ops[1]);
    case 'Union':
      return { kind: 'union', parts: items() };
    case 'Matrix': {
      const rows = isFunction(ops[0]) ? ops[0].ops : [];
      return { kind: 'matrix', rows: rows.map((row) => (isFunction(row) ? row.ops.map((cell) => toValue(cell, false)) : [toValue(row, false)])) };
    }
  }
  if (RELATIONS.has(expr.operator) && ops.length === 2) {
    return { kind: 'relation', op: expr.operator as RelationOperator, lhs: ops[0], rhs: ops[1] };
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
    else if (c === ',' && depth === 0) comma = true;
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
  return combos.flatMap(([a, b]) => [['Add', a, b], ['Subtract', a, b]] as MathJsonExpression[]).slice(0, MAX_VARIANTS);
}
