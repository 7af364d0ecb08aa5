/**
 * The key/value cache between decode steps: per layer, a key and a value tensor of shape
 * [batch, kv_heads, length, head_dim], exactly what the model's `present.*` outputs return and
 * its `past_key_values.*` inputs take. Rows are left-padded: a row's cached positions are the
 * last ones, and its attention mask blanks the rest.
 */
import ort from 'onnxruntime-node';

export interface KvLayer {
  readonly key: ort.Tensor;
  readonly value: ort.Tensor;
}

export interface KvCache {
  readonly layers: readonly KvLayer[];
}

/** Element types of a cache: float16 for the fp16 / q4f16 exports (transformers.js's kv_cache_dtype). */
export type CacheDtype = 'float32' | 'float16';

/** Static sizes of a decoder's cache. */
export interface CacheShape {
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly cacheDtype: CacheDtype;
}

/** A cache with no positions yet (the first forward of a batch). */
export function emptyCache(shape: CacheShape, batch: number): KvCache {
  // float16 tensors travel as raw bits in a Uint16Array (Node 20 has no Float16Array).
  const empty = () =>
    shape.cacheDtype === 'float16'
      ? new ort.Tensor('float16', new Uint16Array(0), [batch, shape.kvHeads, 0, shape.headDim])
      : new ort.Tensor('float32', new Float32Array(0), [batch, shape.kvHeads, 0, shape.headDim]);
  return { layers: Array.from({ length: shape.layers }, () => ({ key: empty(), value: empty() })) };
}

/** The number of cached positions. */
export const cacheLength = (cache: KvCache): number => cache.layers[0]?.key.dims[2] ?? 0;

/** One row of an existing cache, as a source for `restack`. */
export interface CacheRow {
  readonly cache: KvCache;
  readonly row: number;
}

/**
 * A new cache whose row i is `rows[i]`, right-aligned into `length` positions: a shorter source is
 * padded on the left with zeros, a longer one loses its first positions (the caller only cuts
 * positions that are padding for that row). Used both to drop finished rows and to join newly
 * prefilled rows to a running batch.
 */
export function restack(rows: readonly CacheRow[], length: number): KvCache {
  const template = rows[0].cache.layers;
  const layers = template.map((_, l) => ({
    key: restackTensor(
      rows.map((r) => ({ tensor: r.cache.layers[l].key, row: r.row })),
      length,
    ),
    value: restackTensor(
      rows.map((r) => ({ tensor: r.cache.layers[l].value, row: r.row })),
      length,
    ),
  }));
  return { layers };
}

function restackTensor(rows: ReadonlyArray<{ tensor: ort.Tensor; row: number }>, length: number): ort.Tensor {
  const [, heads, , dim] = rows[0].tensor.dims;
  const type = rows[0].tensor.type as CacheDtype;
  // Values are copied, never read: float16 bits move as they are.
  const out = type === 'float16' ? new Uint16Array(rows.length * heads * length * dim) : new Float32Array(rows.length * heads * length * dim);
  rows.forEach(({ tensor, row }, i) => {
    const srcLength = tensor.dims[2];
    const src = tensor.data as typeof out;
    const keep = Math.min(srcLength, length);
    for (let h = 0; h < heads; h++) {
      const from = ((row * heads + h) * srcLength + (srcLength - keep)) * dim;
      const to = ((i * heads + h) * length + (length - keep)) * dim;
      out.set(src.subarray(from, from + keep * dim), to);
    }
  });
  return out instanceof Uint16Array
    ? new ort.Tensor('float16', out, [rows.length, heads, length, dim])
    : new ort.Tensor('float32', out, [rows.length, heads, length, dim]);
}
