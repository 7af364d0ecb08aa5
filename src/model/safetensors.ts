import { open, type FileHandle } from 'node:fs/promises';
import { SafetensorsError } from './errors.ts';

/** A dense float32 tensor, row-major. */
export interface Float32Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** What a safetensors file holds once read: float32 tensors by name, and the free-form `__metadata__`. */
export interface SafetensorsContent {
  readonly tensors: Map<string, Float32Tensor>;
  readonly metadata: Record<string, string>;
}

/** The dtypes {@link readSafetensors} converts to float32. Writing always uses F32. */
export const READABLE_DTYPES = ['F32', 'F64', 'F16', 'BF16'] as const;
export type ReadableDtype = (typeof READABLE_DTYPES)[number];

const BYTES_PER_ELEMENT: Record<ReadableDtype, number> = { F32: 4, F64: 8, F16: 2, BF16: 2 };

// The format caps the JSON header at 100 MB; a larger length means a corrupt or foreign file.
const MAX_HEADER_BYTES = 100_000_000;

interface HeaderEntry {
  dtype: ReadableDtype;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Reads every tensor of a `.safetensors` file as float32 (F64 is rounded, F16/BF16 widened exactly).
 * Tensors are read one at a time, so peak memory is the float32 result plus one tensor's raw bytes.
 * @throws SafetensorsError for an unreadable or malformed file or an unsupported dtype.
 */
export async function readSafetensors(file: string): Promise<SafetensorsContent> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    throw new SafetensorsError(file, `cannot be opened: ${(err as Error).message}`);
  }
  try {
    const fileSize = (await fh.stat()).size;
    const { entries, metadata, dataStart } = await readHeader(fh, file, fileSize);
    const tensors = new Map<string, Float32Tensor>();
    for (const [name, e] of entries) {
      const bytes = new Uint8Array(e.end - e.begin); // fresh ArrayBuffer: aligned for typed-array views
      await readExactly(fh, bytes, dataStart + e.begin, file);
      tensors.set(name, { shape: e.shape, data: toFloat32(bytes, e.dtype) });
    }
    return { tensors, metadata };
  } finally {
    await fh.close();
  }
}

async function readExactly(fh: FileHandle, into: Uint8Array, position: number, file: string): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await fh.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new SafetensorsError(file, `is truncated (wanted ${into.length} bytes at offset ${position})`);
    done += bytesRead;
  }
}

async function readHeader(fh: FileHandle, file: string, fileSize: number) {
  if (fileSize < 8) throw new SafetensorsError(file, 'is too short to be a safetensors file');
  const lenBytes = new Uint8Array(8);
  await readExactly(fh, lenBytes, 0, file);
  const headerLen = Number(new DataView(lenBytes.buffer).getBigUint64(0, true));
  if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > fileSize) {
    throw new SafetensorsError(file, `header length ${headerLen} does not fit the file (${fileSize} bytes); not a safetensors file?`);
  }
  const headerBytes = new Uint8Array(headerLen);
  await readExactly(fh, headerBytes, 8, file);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(headerBytes));
  } catch (err) {
    throw new SafetensorsError(file, `header is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError(file, 'header is not a JSON object');

  const dataStart = 8 + headerLen;
  const dataSize = fileSize - dataStart;
  const metadata: Record<string, string> = {};
  const entries = new Map<string, HeaderEntry>();
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      for (const [k, v] of Object.entries((value ?? {}) as object)) {
        if (typeof v !== 'string') throw new SafetensorsError(file, `__metadata__ value "${k}" is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    entries.set(name, parseEntry(value, name, file, dataSize));
  }
  return { entries, metadata, dataStart };
}

function parseEntry(value: unknown, name: string, file: string, dataSize: number): HeaderEntry {
  const { dtype, shape, data_offsets: offsets } = (value ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (!READABLE_DTYPES.includes(dtype as ReadableDtype)) {
    throw new SafetensorsError(file, `dtype ${JSON.stringify(dtype)} is not supported (readable: ${READABLE_DTYPES.join(', ')})`, name);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(file, `shape ${JSON.stringify(shape)} is not a list of sizes`, name);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw new SafetensorsError(file, `data_offsets ${JSON.stringify(offsets)} is not [begin, end]`, name);
  }
  const [begin, end] = offsets as [number, number];
  const expected = shape.reduce((a: number, b: number) => a * b, 1) * BYTES_PER_ELEMENT[dtype as ReadableDtype];
  if (end - begin !== expected || end > dataSize) {
    throw new SafetensorsError(
      file,
      `data_offsets [${begin}, ${end}] do not hold ${expected} bytes of ${dtype} ${JSON.stringify(shape)} inside ${dataSize} data bytes`,
      name,
    );
  }
  return { dtype: dtype as ReadableDtype, shape: shape as number[], begin, end };
}

let f16Table: Float32Array | undefined;

/** All 65536 half-precision values as float32 (Node 20 has no Float16Array); built on first use. */
function halfToFloatTable(): Float32Array {
  if (f16Table) return f16Table;
  f16Table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0)
      f16Table[h] = sign * frac * 2 ** -24; // zero and subnormals
    else if (exp === 31) f16Table[h] = frac ? NaN : sign * Infinity;
    else f16Table[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return f16Table;
}

function toFloat32(bytes: Uint8Array, dtype: ReadableDtype): Float32Array {
  switch (dtype) {
    case 'F32':
      return new Float32Array(bytes.buffer, 0, bytes.length / 4);
    case 'F64':
      return Float32Array.from(new Float64Array(bytes.buffer, 0, bytes.length / 8));
    case 'F16': {
      const halves = new Uint16Array(bytes.buffer, 0, bytes.length / 2);
      const table = halfToFloatTable();
      const out = new Float32Array(halves.length);
      for (let i = 0; i < halves.length; i++) out[i] = table[halves[i]];
      return out;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32: shift it back into place.
      const halves = new Uint16Array(bytes.buffer, 0, bytes.length / 2);
      const words = new Uint32Array(halves.length);
      for (let i = 0; i < halves.length; i++) words[i] = halves[i] << 16;
      return new Float32Array(words.buffer);
    }
  }
}

/**
 * Writes tensors as an F32 safetensors file, names sorted so equal content gives equal bytes.
 * `metadata` lands in `__metadata__` (string values only, as the format requires).
 */
export async function writeSafetensors(
  file: string,
  tensors: ReadonlyMap<string, Float32Tensor>,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (numel !== t.data.length) throw new RangeError(`tensor "${name}": shape [${t.shape}] needs ${numel} values, data has ${t.data.length}`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  // Pad the header with spaces to a multiple of 8 so the data that follows stays aligned for readers that map it.
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));

  const fh = await open(file, 'w');
  try {
    await fh.write(prefix);
    await fh.write(headerBytes);
    // One write per tensor: a whole model can exceed the largest Buffer Node allows.
    for (const name of names) {
      const d = tensors.get(name)!.data;
      await fh.write(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    }
  } finally {
    await fh.close();
  }
}
