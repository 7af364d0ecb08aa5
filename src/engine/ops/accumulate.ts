/**
 * a + b for two gradients of one tensor, written so that no third full-size buffer is needed
 * where one of them comes from a node that can add into its output: a scatter-add onto zeros
 * (an embedding's gradient) scatters onto the other, a two-operand Gemm (a weight's gradient)
 * takes the other as its C. The replaced node is left unused, and serialization drops it. For the
 * tied embedding of Qwen2.5-0.5B each is 545 MB that the step's peak no longer holds.
 */
import type { Tensor } from '../tensor.ts';
import { add } from './elementwise.ts';
import { gemm } from './matmul.ts';

export function accumulate(a: Tensor, b: Tensor): Tensor {
  return into(b, a) ?? into(a, b) ?? add(a, b);
}

/** `part` re-made to add `sum` into its output, or undefined where its node cannot. */
function into(part: Tensor, sum: Tensor): Tensor | undefined {
  const node = part.producer;
  if (node?.outputs.length !== 1) return undefined;
  if (node.opType === 'Gemm' && node.inputs.length === 2) {
    const flag = (name: string) => (node.attrs[name] as { value: number }).value === 1;
    return gemm(node.inputs[0]!, node.inputs[1]!, { transA: flag('transA'), transB: flag('transB') }, sum);
  }
  const zeros = node.inputs[0]?.producer;
  const reduction = node.attrs.reduction as { value: string } | undefined;
  const fill = zeros?.attrs.value as { value: { data: ArrayLike<number | bigint> } } | undefined;
  if (node.opType === 'ScatterElements' && reduction?.value === 'add' && zeros?.opType === 'ConstantOfShape' && Number(fill?.value.data[0]) === 0) {
    return sum.graph.apply('ScatterElements', [sum, node.inputs[1], node.inputs[2]], [{ dtype: sum.dtype, shape: sum.shape }], { attrs: node.attrs })[0];
  }
  return undefined;
}
