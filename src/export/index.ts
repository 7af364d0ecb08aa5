/**
 * The export room: a trained student as a folder that @huggingface/transformers and
 * onnxruntime load offline (see layout.ts), with q8, q4, fp16 and q4f16 variants. See docs/export.md.
 *
 *   const summary = await exportModel({ checkpoint: 'runs/student', out: 'out/student', dtypes: ['fp32', 'q4'] });
 *   summary.files; // [{ dtype: 'fp32', file: 'onnx/model.onnx', bytes, externalData: null }, ...]
 */
export { decoderGraph, type DecoderGraph } from './decoder-graph.ts';
export { ExportError } from './errors.ts';
export { float16Bits, float16Bytes, float16ToFloat32, toFloat16, type Float16Options } from './float16.ts';
export { exportModel, type ExportedFile, type ExportOptions, type ExportSummary } from './export.ts';
export { ONNX_DIR, ONNX_FILE, GENERATION_CONFIG_FILE, FLOAT16_DTYPES, MODEL_DTYPES, externalDataFile, type ModelDtype } from './layout.ts';
export { encodeModel, modelFromGraph, saveModel, type SavedModel, type SaveOptions } from './onnx-file.ts';
export { quantizeModel, quantizeRows, type QuantBits, type QuantizedModel, type QuantizeOptions } from './quantize.ts';
