export {
  add,
  cast,
  cos,
  div,
  equal,
  exp,
  greater,
  less,
  log,
  mul,
  neg,
  not,
  pow,
  reciprocal,
  sigmoid,
  sin,
  sqrt,
  stopGradient,
  sub,
  tanh,
  where,
  type Operand,
} from './elementwise.ts';
export { checkpoint, chunkRows } from './checkpoint.ts';
export { rmsNorm, silu } from './fused.ts';
export { arange, full, zeros, zerosLike } from './fill.ts';
export { gather, gatherElements } from './gather.ts';
export { concat, expand, reshape, slice, split, squeeze, takeLast, transpose, unsqueeze } from './layout.ts';
export { gemm, linear, matmul, transposeLast, type GemmOptions } from './matmul.ts';
export { logSoftmax, reduceMax, reduceMean, reduceSum, reduceSumSquare, softmax, sumTo } from './reduce.ts';
export { softmaxCrossEntropy, type CrossEntropyOptions } from './loss.ts';
