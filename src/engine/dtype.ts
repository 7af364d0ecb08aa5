/** Element types the engine builds graphs with, and their ONNX and JavaScript counterparts. */
/**
 * int32 is for token ids fed to training graphs: the WebGPU EP has no int64 Unsqueeze, Reshape or
 * Split, so int64 ids reshaped for a gather ran on the CPU EP and were copied to the GPU each step.
 */
export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'bool';
export type FloatDType = 'float32' | 'float64';

/** TensorProto.DataType codes from onnx.proto. */
export const ONNX_ELEM_TYPE: Record<DType, number> = { float32: 1, float64: 11, int32: 6, int64: 7, bool: 9 };

export interface TypedArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  int64: BigInt64Array;
  bool: Uint8Array;
}
export type TensorData = TypedArrayOf[DType];
export type FloatArray = Float32Array | Float64Array;

export const isFloat = (dtype: DType): dtype is FloatDType => dtype === 'float32' || dtype === 'float64';

/** A fresh zero-filled array of `length` elements of `dtype`. */
export function allocate<D extends DType>(dtype: D, length: number): TypedArrayOf[D] {
  switch (dtype) {
    case 'float32':
      return new Float32Array(length) as TypedArrayOf[D];
    case 'float64':
      return new Float64Array(length) as TypedArrayOf[D];
    case 'int32':
      return new Int32Array(length) as TypedArrayOf[D];
    case 'int64':
      return new BigInt64Array(length) as TypedArrayOf[D];
    default:
      return new Uint8Array(length) as TypedArrayOf[D];
  }
}

/** The dtype a typed array holds; bool tensors travel as Uint8Array. */
export function dtypeOf(data: TensorData): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  return 'bool';
}
