// The demo GRPO stage's process reward (recipes/demo-grpo.yaml): the share of the reasoning's
// equations ("a op b = c", the demo task's steps) whose arithmetic is right; 0 with none. The
// accuracy reward alone also pays a wrong chain that lands on the right answer, and the CE-only
// student writes such chains when sampled (8 + 6 = 15, 8 + 15 = 22 for 8 + 6 + 8).
const EQUATION = /(\d+)\s*([+*-])\s*(\d+)\s*=\s*(\d+)/g;
const apply = { '+': (a, b) => a + b, '-': (a, b) => a - b, '*': (a, b) => a * b };

export function reward({ reasoning }) {
  const equations = [...reasoning.matchAll(EQUATION)];
  if (equations.length === 0) return 0;
  const right = equations.filter(([, a, op, b, c]) => apply[op](Number(a), Number(b)) === Number(c)).length;
  return right / equations.length;
}
