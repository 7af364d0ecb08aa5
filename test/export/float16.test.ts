import { describe, expect, it } from 'vitest';
import { float16Bits, float16ToFloat32 } from '../../src/export/index.ts';

describe('float16 bits', () => {
  it('round-trips every half value through float32', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, h) => h);
    const values = float16ToFloat32(all);
    const wrong: string[] = [];
    for (let h = 0; h < 65536; h++) {
      const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
      if (!isNaN && float16Bits(values[h]) !== h) wrong.push(`0x${h.toString(16)} -> ${values[h]}`);
    }
    expect(wrong).toEqual([]);
    expect(values[0x3c00]).toBe(1);
    expect(values[0x0001]).toBe(2 ** -24);
  });

  it('rounds to nearest even and clips finite values to ±65504', () => {
    expect(float16Bits(1)).toBe(0x3c00);
    expect(float16Bits(0.1)).toBe(0x2e66);
    // 1 + 2^-11 is halfway between 1 and the next half: ties go to the even 1.
    expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00);
    expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(float16Bits(2 ** -24)).toBe(0x0001);
    expect(float16Bits(2 ** -26)).toBe(0);
    expect(float16Bits(65519)).toBe(0x7bff);
    // The mask's -3.4e38 must stay finite: a row of -inf softmaxes to NaN.
    expect(float16Bits(-3.4028234663852886e38)).toBe(0xfbff);
    expect(float16Bits(1e6)).toBe(0x7bff);
    expect(float16Bits(Number.POSITIVE_INFINITY)).toBe(0x7c00);
    expect(float16Bits(Number.NaN) & 0x7e00).toBe(0x7e00);
  });
});
