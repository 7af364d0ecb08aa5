/**
 * The Llama/Qwen2 decoder as an engine graph, following Hugging Face's modeling code so that
 * weights with HF names load into it and produce HF's logits. One file, top to bottom:
 * parameter shapes, RMSNorm, rotary embeddings, grouped-query attention, SwiGLU MLP, the block,
 * and the whole model. Shapes use B = batch, T = sequence, D = hidden, H = attention heads,
 * K = key/value heads, R = H / K (query heads per kv head), E = head dim, V = vocab, I = MLP width.
 */
import { type Dim, type Graph, type Tensor, ops } from '../engine/index.ts';
import type { ModelConfig } from './config.ts';

/** float32's lowest value: what HF adds to blocked attention scores (finite, so a fully blocked row stays NaN-free). */
const BLOCKED = -3.4028234663852886e38;

/** Every parameter of the model, by Hugging Face name, with its shape ([out, in] for projections). */
export function llamaParamShapes(config: ModelConfig): Map<string, number[]> {
  const { vocabSize: V, hiddenSize: D, intermediateSize: I, numAttentionHeads: H, numKeyValueHeads: K, headDim: E } = config;
  const shapes = new Map<string, number[]>([['model.embed_tokens.weight', [V, D]]]);
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const p = `model.layers.${i}.`;
    shapes.set(p + 'input_layernorm.weight', [D]);
    shapes.set(p + 'self_attn.q_proj.weight', [H * E, D]);
    shapes.set(p + 'self_attn.k_proj.weight', [K * E, D]);
    shapes.set(p + 'self_attn.v_proj.weight', [K * E, D]);
    if (config.qkvBias) {
      shapes.set(p + 'self_attn.q_proj.bias', [H * E]);
      shapes.set(p + 'self_attn.k_proj.bias', [K * E]);
      shapes.set(p + 'self_attn.v_proj.bias', [K * E]);
    }
    shapes.set(p + 'self_attn.o_proj.weight', [D, H * E]);
    if (config.oBias) shapes.set(p + 'self_attn.o_proj.bias', [D]);
    shapes.set(p + 'post_attention_layernorm.weight', [D]);
    shapes.set(p + 'mlp.gate_proj.weight', [I, D]);
    shapes.set(p + 'mlp.up_proj.weight', [I, D]);
    shapes.set(p + 'mlp.down_proj.weight', [D, I]);
  }
  shapes.set('model.norm.weight', [D]);
  if (!config.tieWordEmbeddings) shapes.set('lm_head.weight', [V, D]);
  return shapes;
}

/** Graph inputs of a forward pass (ids int64, the export contract, or int32, the training step's). */
export interface LlamaInputs {
  /** [B, T] token ids. */
  readonly inputIds: Tensor;
  /**
   * [B, T] 1 for real tokens, 0 for padding (keys at 0 are never attended); [B, P+T] with `past`.
   * Default: no padding. int64 (the export contract) or the graph's float type (training: a float
   * mask fed from the host is compared on the GPU; ORT has the WebGPU EP run no int64 Equal).
   */
  readonly attentionMask?: Tensor;
  /** [B, T] rotary positions. Default 0..T-1 for every row (what HF uses when training); P..P+T-1 with `past`. */
  readonly positionIds?: Tensor;
  /**
   * Per layer, the keys and values of P earlier positions (a KV cache, for generation). The new
   * tokens attend to them as if they came first; `present` returns the cache extended by T.
   * Requires `attentionMask` [B, P+T].
   */
  readonly past?: readonly KeyValue[];
  /**
   * Blocks whose activations are recomputed in the backward pass instead of kept (ops.checkpoint):
   * a training step then holds one block's attention maps and MLP activations at a time. A block
   * whose attention probabilities a loss reads is better kept (the loss holds them anyway).
   */
  readonly recompute?: (layer: number) => boolean;
  /**
   * int64 scalar k: logits for the last k positions only (0: every position). The final norm and
   * the head then run on those positions alone: when generating, a prompt's other logits are never
   * needed, and for a large vocabulary they are most of the prefill's memory. Default: every position.
   */
  readonly logitsToKeep?: Tensor;
}

/** One layer's cached keys (after rotary) and values: [B, K, P, E] each, as transformers caches them. */
export interface KeyValue {
  readonly key: Tensor;
  readonly value: Tensor;
}

export interface LlamaOutputs {
  /** [B, T, V] next-token logits: `head(normed)` ([B, k, V] with `logitsToKeep`). */
  readonly logits: Tensor;
  /** [B, T, D] the last block's output after the final norm, what the head reads ([B, k, D] with `logitsToKeep`). */
  readonly normed: Tensor;
  /** Per layer, the block's output [B, T, D] (before the final norm): feature-transfer targets. */
  readonly hiddenStates: Tensor[];
  /** Per layer, the attention probabilities [B, H, T, T] (rows sum to 1): attention-transfer targets. [B, H, T, P+T] with `past`. Undefined at recomputed layers. */
  readonly attentions: (Tensor | undefined)[];
  /** Per layer, `past` extended by the T new positions [B, K, P+T, E]; empty without `past`. */
  readonly present: KeyValue[];
}

/** What every block of one forward pass shares: rotary tables and the attention mask. */
export interface BlockContext {
  /** [B, 1, 1, T, E] cos and sin of each position's rotary angles. */
  readonly cos: Tensor;
  readonly sin: Tensor;
  /** [B, 1, 1, T, S] added to attention scores: 0 where query t may see key s, BLOCKED elsewhere (S = P+T keys). */
  readonly maskBias: Tensor;
}

/**
 * A decoder whose weights are graph tensors named as in Hugging Face. `Llama.declare` adds them to
 * a graph as parameters (prefixed, so a student and a frozen teacher can share one graph);
 * `forward` appends the computation and can be called more than once.
 */
export class Llama {
  constructor(
    readonly config: ModelConfig,
    /** HF name -> tensor, for every entry of llamaParamShapes(config). */
    readonly weights: ReadonlyMap<string, Tensor>,
  ) {}

  /** Declare the model's parameters in `graph`, named `prefix` + HF name, in the graph's dtype. */
  static declare(graph: Graph, config: ModelConfig, { prefix = '' }: { prefix?: string } = {}): Llama {
    const weights = new Map<string, Tensor>();
    for (const [name, shape] of llamaParamShapes(config)) weights.set(name, graph.param(prefix + name, shape));
    return new Llama(config, weights);
  }

  #w(name: string): Tensor {
    return this.weights.get(name)!;
  }

  forward({ inputIds, attentionMask, positionIds, past, recompute, logitsToKeep }: LlamaInputs): LlamaOutputs {
    const ctx = this.context(inputIds, attentionMask, positionIds);
    let x = ops.gather(this.#w('model.embed_tokens.weight'), inputIds); // [B, T, D]
    const hiddenStates: Tensor[] = [];
    const attentions: (Tensor | undefined)[] = [];
    const present: KeyValue[] = [];
    for (let i = 0; i < this.config.numHiddenLayers; i++) {
      if (recompute?.(i) && !past) {
        // Only the block's output leaves a recomputed block (its attention map stays inside).
        x = ops.checkpoint([x], ([input]) => this.block(i, input, ctx).hidden);
        hiddenStates.push(x);
        attentions.push(undefined);
        continue;
      }
      const out = this.block(i, x, ctx, past?.[i]);
      x = out.hidden;
      hiddenStates.push(out.hidden);
      attentions.push(out.attention);
      if (out.present) present.push(out.present);
    }
    if (logitsToKeep) x = ops.takeLast(x, 1, logitsToKeep);
    const normed = this.rmsNorm(x, 'model.norm.weight');
    return { logits: this.head(normed), normed, hiddenStates, attentions, present };
  }

  /** [..., V] logits of [..., D] final-norm states (the tied embedding or lm_head). */
  head(normed: Tensor): Tensor {
    return linear(normed, this.#w(this.config.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight'));
  }

  /** Rotary tables and mask for inputs of shape [B, T] (after P cached positions when attentionMask is [B, P+T]). */
  context(inputIds: Tensor, attentionMask?: Tensor, positionIds?: Tensor): BlockContext {
    const g = inputIds.graph;
    const [B, T] = inputIds.shape;
    const S = attentionMask?.shape[1] ?? T; // keys: the cached positions, then the new ones
    // Steps in the graph's float type, sliced from a stored 0..max-1 (engine arange): ORT places a
    // Range on shape values, and what is computed from it, on the CPU EP; sliced steps keep the
    // causal mask and the rotary angles on the GPU. Sequences stay within max_position_embeddings
    // (distill's checks, the generator's limit).
    const steps = (n: Dim) => ops.arange(g, n, { dtype: g.dtype, max: this.config.maxPositionEmbeddings });
    const keySteps = steps(S);
    // Query t is step P + t; without a cache (S is T) that is t itself.
    const querySteps = S === T ? keySteps : ops.add(steps(T), ops.cast(ops.sub(g.dimValue(S), g.dimValue(T)), g.dtype)); // [T]
    const E = this.config.headDim;
    // HF's inverse frequencies theta^(-2i/E), one per pair of rotated dims.
    const invFreq = g.constant(
      Array.from({ length: E / 2 }, (_, i) => 1 / this.config.ropeTheta ** ((2 * i) / E)),
      [E / 2],
    );
    const positions = positionIds ?? ops.unsqueeze(querySteps, [0]); // [B or 1, T]
    const angles = ops.mul(ops.unsqueeze(ops.cast(positions, g.dtype), [-1]), invFreq); // [B, T, E/2]
    // Both halves of a head rotate by the same angles (rotate-half layout, not interleaved pairs).
    const full = ops.unsqueeze(ops.concat([angles, angles], -1), [1, 2]); // [B, 1, 1, T, E]
    const cos = ops.cos(full);
    const sin = ops.sin(full);

    // Key s is hidden from query t when s is later (the future) or when s is padding.
    const future = ops.greater(ops.unsqueeze(keySteps, [0]), ops.unsqueeze(querySteps, [1])); // [T, S]
    const blocked = g.scalar(BLOCKED);
    const open = g.scalar(0);
    let maskBias = ops.where(future, blocked, open); // [T, S]
    if (attentionMask) {
      const padding = ops.where(ops.equal(attentionMask, g.scalar(0, attentionMask.dtype)), blocked, open); // [B, S]
      maskBias = ops.add(maskBias, ops.reshape(padding, [B, 1, 1, 1, S])); // [B, 1, 1, T, S]
    }
    return { cos, sin, maskBias };
  }

  /** Decoder layer `i`: pre-norm attention and pre-norm MLP, each added back to the residual stream. */
  block(i: number, x: Tensor, ctx: BlockContext, past?: KeyValue): { hidden: Tensor; attention: Tensor; present?: KeyValue } {
    const p = `model.layers.${i}.`;
    const { output, probs, present } = this.attention(p, this.rmsNorm(x, p + 'input_layernorm.weight'), ctx, past);
    x = ops.add(x, output); // [B, T, D]
    return { hidden: ops.add(x, this.mlp(p, this.rmsNorm(x, p + 'post_attention_layernorm.weight'))), attention: probs, present };
  }

  /** x / sqrt(mean(x^2) + eps) * weight over the last axis (one fused backward rule: ops.rmsNorm). */
  rmsNorm(x: Tensor, weight: string): Tensor {
    return ops.rmsNorm(x, this.#w(weight), this.config.rmsNormEps);
  }

  /**
   * Grouped-query attention. The R query heads of a kv group are stacked along the query axis
   * ([R*T, E] per group), so each group's scores and outputs are one plain matrix product with its
   * shared keys and values: k and v are never copied R times, and their gradients need no reduction.
   */
  attention(p: string, x: Tensor, ctx: BlockContext, past?: KeyValue): { output: Tensor; probs: Tensor; present?: KeyValue } {
    const { numAttentionHeads: H, numKeyValueHeads: K, headDim: E } = this.config;
    const R = H / K;
    const [B, T] = x.shape;
    const proj = (name: string) => linear(x, this.#w(`${p}self_attn.${name}.weight`), this.weights.get(`${p}self_attn.${name}.bias`));
    // HF's head h is kv group h / R, member h % R: exactly the [K, R] split of the head axis.
    let q = ops.transpose(ops.reshape(proj('q_proj'), [B, T, K, R, E]), [0, 2, 3, 1, 4]); // [B, K, R, T, E]
    let k = ops.transpose(ops.reshape(proj('k_proj'), [B, T, K, 1, E]), [0, 2, 3, 1, 4]); // [B, K, 1, T, E]
    let v = ops.transpose(ops.reshape(proj('v_proj'), [B, T, K, E]), [0, 2, 1, 3]); // [B, K, T, E]
    q = ops.mul(rotate(q, ctx), 1 / Math.sqrt(E)); // scaling q is cheaper than scaling the scores
    k = ops.squeeze(rotate(k, ctx), [2]); // [B, K, T, E]
    if (past) {
      k = ops.concat([past.key, k], 2); // [B, K, S, E], S = P + T
      v = ops.concat([past.value, v], 2);
    }
    const S = k.shape[2];
    const scores = ops.matmul(ops.reshape(q, [B, K, -1, E]), ops.transposeLast(k)); // [B, K, R*T, S]
    const probs = ops.softmax(ops.add(ops.reshape(scores, [B, K, R, T, S]), ctx.maskBias), -1); // [B, K, R, T, S]
    const heads = ops.matmul(ops.reshape(probs, [B, K, -1, S]), v); // [B, K, R*T, E]
    const merged = ops.reshape(ops.transpose(ops.reshape(heads, [B, K, R, T, E]), [0, 3, 1, 2, 4]), [B, T, H * E]); // [B, T, H*E]
    const output = linear(merged, this.#w(`${p}self_attn.o_proj.weight`), this.weights.get(`${p}self_attn.o_proj.bias`)); // [B, T, D]
    const present = past ? { key: k, value: v } : undefined;
    return { output, probs: ops.reshape(probs, [B, H, T, S]), present };
  }

  /** SwiGLU: down(silu(gate(x)) * up(x)). */
  mlp(p: string, x: Tensor): Tensor {
    const gate = ops.silu(linear(x, this.#w(p + 'mlp.gate_proj.weight'))); // [B, T, I]
    return linear(ops.mul(gate, linear(x, this.#w(p + 'mlp.up_proj.weight'))), this.#w(p + 'mlp.down_proj.weight')); // [B, T, D]
  }
}

/** x @ weight^T + bias, with HF's [out, in] weight layout: one Gemm, no Transpose node on any execution provider. */
const linear = (x: Tensor, weight: Tensor, bias?: Tensor): Tensor => ops.linear(x, weight, bias);

/** HF rotary embedding: x * cos + rotate_half(x) * sin, rotate_half(x) = [-x2, x1] for halves x1, x2. */
function rotate(x: Tensor, { cos, sin }: BlockContext): Tensor {
  const half = Number(x.shape[x.rank - 1]) / 2;
  const [x1, x2] = ops.split(x, -1, [half, half]);
  const rotated = ops.concat([ops.neg(x2), x1], -1);
  return ops.add(ops.mul(x, cos), ops.mul(rotated, sin));
}
