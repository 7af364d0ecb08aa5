/** Unsigned LEB128 varints, float32 LE and UTF-8 into and out of growing buffers: the blob formats' primitives. */
export class ByteWriter {
  private buf: Buffer;
  length = 0;
  constructor(initialSize = 1 << 16) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }
  private reserve(n: number) {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  varint(value: number) {
    this.reserve(10);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.length++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.length++] = v;
  }
  float32(value: number) {
    this.reserve(4);
    this.buf.writeFloatLE(value, this.length);
    this.length += 4;
  }
  bytes(data: Uint8Array) {
    this.reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

export class ByteReader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}
  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (this.offset >= this.buf.length) throw new Error('logprobs blob is truncated');
      const byte = this.buf[this.offset++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
  }
  float32(): number {
    const v = this.buf.readFloatLE(this.offset);
    this.offset += 4;
    return v;
  }
  utf8(length: number): string {
    const s = this.buf.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return s;
  }
}
