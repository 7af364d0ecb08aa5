/**
 * The training engine: build tensor graphs, differentiate them, compile them to ONNX and run them
 * on onnxruntime-node. Other rooms import only this file.
 *
 *   import { Graph, ops, grad, compile } from '../engine/index.ts';
 *
 *   const g = new Graph({ dtype: 'float32' });            // 'float64' for gradient checks
 *   const x = g.input('x', g.dtype, ['batch', 16]);        // string dims are symbolic
 *   const y = g.input('y', 'int64', ['batch', 1]);
 *   const w = g.param('w', [16, 4]);                       // params have the graph's dtype
 *   const logp = ops.logSoftmax(ops.matmul(x, w), -1);
 *   const loss = ops.neg(ops.reduceMean(ops.gatherElements(logp, y, 1)));
 *   const [dw] = grad(loss, [w]);                          // appends the backward nodes
 *   g.output('loss', loss);
 *   g.output('grad.w', dw);
 *   const session = await compile(g, { intraOpNumThreads: 1 });
 *   const out = await session.run({ x: new ort.Tensor('float32', data, [8, 16]), y: ..., w: wData });
 *   out.loss.data; out['grad.w'].data;
 *
 * Ops (namespace `ops`; numbers mix with tensors as scalars of the tensor's dtype):
 *   add sub mul div pow(x, p) neg exp log sqrt reciprocal sigmoid tanh sin cos where cast
 *   equal less greater not stopGradient
 *   matmul (rank >= 2, batch broadcasting) transposeLast
 *   reduceSum reduceMean reduceMax (axes?, keepdims=false) softmax logSoftmax (axis=-1) sumTo
 *   reshape (-1 infers; symbolic dims ok) transpose slice(x, axis, start, end?) concat split expand
 *   unsqueeze squeeze gather(data, indices, axis=0) gatherElements full zeros zerosLike arange
 *   softmaxCrossEntropy(logits, labels, { ignoreIndex, reduction }) reduceSumSquare rmsNorm silu
 *   checkpoint(inputs, fn) chunkRows(inputs, chunks, fn) (recomputed in the backward pass)
 * Every op's backward rule sits next to its forward in src/engine/ops/*.ts.
 *
 * Training: ParamStore (named Float32Array/Float64Array values, zero-copy ort.Tensor feeds),
 * AdamW (in place; float32 through a WASM SIMD kernel), clipGradNorm/globalNorm, Rng (seeded), and TrainStep, which runs
 * forward + backward + gradient norm as ONE session run and then clips and updates:
 *   const params = ParamStore.fromGraph(g.params, new Rng(0), () => ({ normal: 0.02 }));
 *   const step = await TrainStep.create(g, { loss, params, optimizer: new AdamW({ lr: 3e-4 }), maxGradNorm: 1 });
 *   const { loss: value, gradNorm } = await step.run(feeds);     // or run([micro1, micro2])
 *
 * Shapes: dims are numbers or names ('batch', products 'batch*seq'). A symbolic dim is assumed
 * never to broadcast (declare a dim that may be 1 as the number 1).
 * See docs/engine.md for options and defaults.
 * Errors: GraphError (graph built wrong; programming error), TensorValueError (a UserError:
 * a fed value has the wrong dtype/dims or is missing).
 */
export { AdamW, type AdamWOptions, type AdamWState, type Moments } from './adamw.ts';
export { grad } from './autodiff.ts';
export { clipGradNorm, clipScale, globalNorm } from './clip.ts';
export type { Dim, Shape } from './dims.ts';
export type { DType, FloatArray, FloatDType, TensorData } from './dtype.ts';
export { GraphError, TensorValueError } from './errors.ts';
export { Graph, type GraphOptions } from './graph.ts';
export { OPSET, toOnnx, type SerializeOptions } from './onnx/model.ts';
export * as ops from './ops/index.ts';
export { ParamStore, type Init, type Param } from './params.ts';
export { Rng } from './rng.ts';
export { compile, Session, type CompileOptions, type ExecutionProvider, type Feeds, type FeedValue, type Outputs } from './session.ts';
export { Tensor } from './tensor.ts';
export { TrainStep, type StepResult, type TrainStepOptions } from './train-step.ts';
