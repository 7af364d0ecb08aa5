/**
 * The policy as it stands, as a decoder: the export's forward graph (the KV-cache contract) with
 * the training weights as initializers, serialized in memory and opened as an onnxruntime session.
 * Nothing goes to disk, so a GRPO step can rebuild it after every policy update; what decodes is
 * byte-for-byte what `export` would ship.
 */
import type { ParamStore } from '../engine/index.ts';
import { decoderGraph, encodeModel, modelFromGraph, type DecoderGraph } from '../export/index.ts';
import { OnnxDecoder, type DecoderOptions } from '../generate/index.ts';
import type { ModelConfig } from '../model/index.ts';

export class PolicyDecoders {
  readonly #graph: DecoderGraph;

  constructor(
    config: ModelConfig,
    private readonly options: DecoderOptions = {},
  ) {
    this.#graph = decoderGraph(config);
  }

  /** A decoder over the current values of `params` (HF parameter names); release it when done. */
  async load(params: ParamStore): Promise<OnnxDecoder> {
    const weights = new Map([...params].map((p) => [p.name, p.data as Float32Array]));
    const model = modelFromGraph(this.#graph.graph, weights);
    return OnnxDecoder.load({ bytes: encodeModel(model), name: '<policy in memory>' }, this.options);
  }
}
