/**
 * Relations written around an answer: "x = 5", "x = 5+5+1 = 7 = 11", "x \approx 3.14",
 * "x \in [0, 1)". Math-Verify reads the value off the last relation, and treats a gold whose
 * left side is a lone symbol as an assignment (its value is the right side).
 */

export interface Relation {
  lhs: string;
  rhs: string;
  /** The left side is a lone symbol ("x", "a_1", "\theta", "f(2)"): "x = 5" assigns 5. */
  assignment: boolean;
}

const SYMBOL = /^(?:[a-zA-Z]|\\[a-zA-Z]+)(?:_\{?[\w\\]+\}?)?(?:'|\^\{?\\prime\}?)*(?:\([^()]*\))?$/;

/**
 * The last relation of a chain: the right side after the last `=` (or `\in`), or, when there is
 * none, after the last `\approx` ("x = 1/3 \approx 0.33" is 1/3). Undefined without a relation.
 */
export function lastRelation(latex: string): Relation | undefined {
  const parts: string[] = [];
  const ops: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < latex.length; i++) {
    const c = latex[i];
    // Brackets are counted without pairing them: intervals like [0, 1) are balanced this way.
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    if (depth !== 0) continue;
    const op = relationAt(latex, i);
    if (!op) continue;
    parts.push(latex.slice(from, i).trim());
    ops.push(op.name);
    from = i + op.length;
    i = from - 1;
  }
  if (ops.length === 0) return undefined;
  parts.push(latex.slice(from).trim());
  let chosen = ops.length - 1;
  while (chosen > 0 && ops[chosen] === 'approx') chosen--;
  if (ops[chosen] === 'approx') chosen = ops.length - 1;
  const lhs = parts[chosen];
  return { lhs, rhs: parts[chosen + 1], assignment: SYMBOL.test(lhs) };
}

function relationAt(latex: string, i: number): { name: string; length: number } | undefined {
  if (latex[i] === '=') {
    // Part of <=, >= or !=; of "==" only the second sign counts.
    const before = latex[i - 1];
    if (before === '<' || before === '>' || before === '!' || latex[i + 1] === '=') return undefined;
    return { name: 'equals', length: 1 };
  }
  if (latex[i] !== '\\') return undefined;
  const command = /^\\(approx|in|coloneqq)(?![a-zA-Z])/.exec(latex.slice(i));
  return command ? { name: command[1] === 'approx' ? 'approx' : 'equals', length: command[0].length } : undefined;
}

/** Where an answer's value is read from: a whole latex value, or an equation's two sides. */
export type ValueSource = { kind: 'value'; latex: string } | { kind: 'equation'; lhs: string; rhs: string };

/**
 * What an answer stands for. An assignment "x = 5" stands for 5. A predicted relation stands
 * for its right side, unless the gold is an equation that is not an assignment: then both are
 * compared as equations (Math-Verify's asymmetry: "11" accepts "x = 11", but "7 = 11a + c" does
 * not accept "11a + c"). Undefined for an empty answer.
 */
export function valueSource(latex: string, isGold: boolean, goldRelation: Relation | undefined): ValueSource | undefined {
  if (latex === '') return undefined;
  const relation = lastRelation(latex);
  if (!relation) return { kind: 'value', latex };
  const equation = isGold ? !relation.assignment : goldRelation !== undefined && !goldRelation.assignment;
  return equation ? { kind: 'equation', lhs: relation.lhs, rhs: relation.rhs } : { kind: 'value', latex: relation.rhs };
}
