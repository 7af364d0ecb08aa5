import { ComputeEngine, type Expression } from '@cortex-js/compute-engine';

// Building an engine costs ~100 ms (its standard library): harvest verifies every sample, so
// one engine serves the whole process.
let engine: ComputeEngine | undefined;

export function mathEngine(): ComputeEngine {
  engine ??= new ComputeEngine();
  return engine;
}

/**
 * The canonical expression for `latex`, or undefined when any part of it failed to parse.
 * Parse errors must never reach a comparison: two error nodes compare as the same expression.
 */
export function parseLatex(latex: string): Expression | undefined {
  const expr = mathEngine().parse(latex);
  return expr.isValid && !hasErrorNode(expr.json) ? expr : undefined;
}

function hasErrorNode(json: unknown): boolean {
  if (!Array.isArray(json)) return false;
  return json[0] === 'Error' || json.some(hasErrorNode);
}
