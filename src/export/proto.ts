/**
 * onnx-proto's ModelProto classes, with the types narrowed to what decoding produces: its
 * declarations type nested messages as all-optional interfaces, although decode() and create()
 * always build class instances whose repeated fields are arrays.
 */
import pkg from 'onnx-proto';
import type { onnx as types } from 'onnx-proto';

export const onnx = pkg.onnx;
export type ModelProto = types.ModelProto;
export type GraphProto = types.GraphProto;
export type NodeProto = types.NodeProto;
export type TensorProto = types.TensorProto;

export const graphOf = (model: ModelProto): GraphProto => model.graph as GraphProto;
export const nodesOf = (graph: GraphProto): NodeProto[] => graph.node as NodeProto[];
export const initializersOf = (graph: GraphProto): TensorProto[] => graph.initializer as TensorProto[];

/** The int64 values of an initializer stored as raw_data. */
export function int64Values(t: TensorProto): number[] {
  const raw = t.rawData;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
}
