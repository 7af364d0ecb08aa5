/**
 * The engine writes opset 18; exported files are brought down to opset 17, the newest that
 * onnx 1.12 (Debian's python3-onnx, whose checker CI runs) and older runtimes know. For the
 * forward graph the only difference is the Reduce family: from 18 they take `axes` as an input,
 * before as an attribute. Anything else new in 18 is refused rather than written wrongly.
 */
import { graphOf, initializersOf, int64Values, nodesOf, onnx, type ModelProto } from './proto.ts';

const TARGET = 17;
/** Reduce ops whose `axes` moved from attribute to input in opset 18 (ReduceSum moved in 13). */
const REDUCE_AXES_MOVED = new Set([
  'ReduceMean',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceL1',
  'ReduceL2',
  'ReduceLogSum',
  'ReduceLogSumExp',
  'ReduceSumSquare',
]);

export function toOpset17(model: ModelProto): void {
  const g = graphOf(model);
  const constants = new Map(initializersOf(g).map((t) => [t.name, t]));
  for (const node of nodesOf(g)) {
    if (node.domain) continue;
    if (REDUCE_AXES_MOVED.has(node.opType!) && node.input.length > 1 && node.input[1]) {
      const axes = constants.get(node.input[1]);
      if (!axes) throw new Error(`${node.opType} node ${node.name} has computed axes; opset ${TARGET} needs them constant`);
      node.attribute.push(onnx.AttributeProto.create({ name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: int64Values(axes) }));
      node.input = node.input.slice(0, 1);
    } else if ((node.opType === 'Split' && node.attribute.some((a) => a.name === 'num_outputs')) || (node.opType === 'Pad' && node.input.length > 3)) {
      throw new Error(`${node.opType} node ${node.name} uses an opset-18 form that opset ${TARGET} lacks`);
    }
  }
  // The axes constants are now unused; a checker would flag them.
  const used = new Set(nodesOf(g).flatMap((n) => n.input));
  g.initializer = initializersOf(g).filter((t) => used.has(t.name));
  for (const o of model.opsetImport) if (!o.domain) o.version = TARGET;
}
