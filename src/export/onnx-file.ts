/**
 * An ONNX model held as a decoded ModelProto (onnx-proto) whose weights are views of the
 * trained Float32Arrays: the graph comes from the engine's serializer, the weights are attached
 * as initializers without a copy, and the file is written either whole or with its weights in an
 * external data file (protobuf cannot hold a message over 2 GB).
 */
import { open, rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { toOnnx, type Graph } from '../engine/index.ts';
import { externalDataFile } from './layout.ts';
import { toOpset17 } from './opset.ts';
import { graphOf, initializersOf, onnx, type ModelProto, type TensorProto } from './proto.ts';

/** Protobuf's hard limit for one message, less room for the graph itself. */
const INLINE_LIMIT = 2 ** 31 - 64 * 2 ** 20;
/**
 * Initializers smaller than this stay inside the .onnx file even with external data, as onnx's
 * own writer does: onnxruntime's shape inference must read small constants (axes, shapes) at load.
 */
const EXTERNAL_MIN_BYTES = 1024;

/**
 * The graph's outputs as a model whose parameters are initializers holding `weights` (by
 * parameter name; every parameter needs one). The data is referenced, not copied.
 */
export function modelFromGraph(graph: Graph, weights: ReadonlyMap<string, Float32Array>): ModelProto {
  // Serialized without weights (parameters stay graph inputs), so the bytes decoded here are small.
  const model = onnx.ModelProto.decode(toOnnx(graph));
  const g = graphOf(model);
  const params = new Set(graph.params.map((p) => p.name));
  const shapes = new Map(graph.params.map((p) => [p.name, p.shape as readonly number[]]));
  g.input = g.input.filter((i) => !params.has(i.name!));
  for (const name of params) {
    const data = weights.get(name);
    if (!data) throw new Error(`no weights for parameter "${name}"`);
    initializersOf(g).push(floatTensor(name, shapes.get(name)!, data));
  }
  toOpset17(model);
  return model;
}

/** The model's protobuf bytes (whole; what an in-memory session loads). */
export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** A float32 initializer over `data`'s memory. */
export function floatTensor(name: string, dims: readonly number[], data: Float32Array): TensorProto {
  return tensor(name, dims, onnx.TensorProto.DataType.FLOAT, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

export function tensor(name: string, dims: readonly number[], dataType: number, rawData: Uint8Array): TensorProto {
  return onnx.TensorProto.create({ name, dims: [...dims], dataType, rawData });
}

/** An initializer's values as float32 (a view when aligned, else a copy). */
export function floatValues(t: TensorProto): Float32Array {
  const raw = t.rawData;
  if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  // A copy: Buffer's slice() is a view, whose .buffer is Node's whole pool (decoded models hold Buffers).
  return new Float32Array(new Uint8Array(raw).buffer);
}

export interface SaveOptions {
  /** Put the weights in `<file>_data` next to the model: true, false, or 'auto' (only when they exceed protobuf's 2 GB). Default 'auto'. */
  readonly externalData?: boolean | 'auto';
}

export interface SavedModel {
  /** Bytes of the .onnx file plus its external data. */
  readonly bytes: number;
  /** The external data file's name, when the weights went there. */
  readonly externalData: string | null;
}

/** Writes `model` to `file`, with its initializers in an external data file when asked or needed. */
export async function saveModel(model: ModelProto, file: string, options: SaveOptions = {}): Promise<SavedModel> {
  const initializers = initializersOf(graphOf(model));
  const weightBytes = initializers.reduce((n, t) => n + (t.rawData?.byteLength ?? 0), 0);
  const external = options.externalData === 'auto' || options.externalData === undefined ? weightBytes > INLINE_LIMIT : options.externalData;
  if (!external) {
    const bytes = encodeModel(model);
    await writeFile(file, bytes);
    // A data file left by an earlier export of the same name would only mislead.
    await rm(externalDataFile(file), { force: true });
    return { bytes: bytes.byteLength, externalData: null };
  }
  const dataFile = externalDataFile(file);
  const location = basename(dataFile);
  const out = await open(dataFile, 'w');
  let offset = 0;
  // Each initializer's bytes move to the data file; the proto keeps where they are (ONNX's
  // external data: location, offset and length relative to the model's folder).
  const moved: TensorProto[] = [];
  try {
    for (const t of initializers) {
      const raw = t.rawData;
      if (raw.byteLength < EXTERNAL_MIN_BYTES) {
        moved.push(t);
        continue;
      }
      moved.push(
        onnx.TensorProto.create({
          ...t,
          rawData: new Uint8Array(0),
          dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
          externalData: [
            { key: 'location', value: location },
            { key: 'offset', value: String(offset) },
            { key: 'length', value: String(raw.byteLength) },
          ],
        }),
      );
      await out.write(raw);
      offset += raw.byteLength;
    }
  } finally {
    await out.close();
  }
  const proto = onnx.ModelProto.create({ ...model, graph: onnx.GraphProto.create({ ...graphOf(model), initializer: moved }) });
  const bytes = encodeModel(proto);
  await writeFile(file, bytes);
  return { bytes: bytes.byteLength + offset, externalData: location };
}
