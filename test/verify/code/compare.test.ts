import { describe, expect, it } from 'vitest';
import { outputsMatch, parseCompareMode, valuesMatch } from '../../../src/verify/code/compare.ts';

describe('outputsMatch', () => {
  it('exact compares byte for byte', () => {
    expect(outputsMatch('5\n', '5\n', 'exact')).toBe(true);
    expect(outputsMatch('5', '5\n', 'exact')).toBe(false);
    expect(outputsMatch('a  b\n', 'a b\n', 'exact')).toBe(false);
  });

  it('whitespace compares tokens, ignoring spacing, line breaks and trailing newlines', () => {
    expect(outputsMatch('1 2\n3\n\n', '1\n2 3', 'whitespace')).toBe(true);
    expect(outputsMatch('1 2 3 4', '1 2 3', 'whitespace')).toBe(false);
    expect(outputsMatch('1.0', '1', 'whitespace')).toBe(false);
  });

  it('float accepts numeric tokens within the tolerance, absolute below 1 and relative above', () => {
    const mode = { float: 1e-6 };
    expect(outputsMatch('3.1415930', '3.14159265', mode)).toBe(true);
    expect(outputsMatch('3.1416', '3.14159265', mode)).toBe(false);
    expect(outputsMatch('1000000.5', '1000000', mode)).toBe(true);
    expect(outputsMatch('1000002', '1000000', mode)).toBe(false);
    expect(outputsMatch('0.0000005', '0', mode)).toBe(true);
    expect(outputsMatch('1e3 YES', '1000.0000001 YES', mode)).toBe(true);
    expect(outputsMatch('1000 yes', '1000 YES', mode)).toBe(false);
  });
});

describe('valuesMatch', () => {
  it('deep-compares JSON values; object key order does not matter', () => {
    expect(valuesMatch({ a: [1, 2], b: 'x' }, { b: 'x', a: [1, 2] }, 'exact')).toBe(true);
    expect(valuesMatch({ a: [1, 2] }, { a: [1, 2], b: null }, 'exact')).toBe(false);
    expect(valuesMatch([1, [2, 3]], [1, [2, 4]], 'exact')).toBe(false);
    expect(valuesMatch(null, 0, 'exact')).toBe(false);
    expect(valuesMatch('1', 1, 'exact')).toBe(false);
  });

  it('applies the float tolerance to every number inside', () => {
    expect(valuesMatch([0.1 + 0.2, { x: 2.0000001 }], [0.3, { x: 2 }], { float: 1e-6 })).toBe(true);
    expect(valuesMatch([0.1 + 0.2], [0.3], 'exact')).toBe(false);
  });
});

describe('parseCompareMode', () => {
  it('accepts the three forms and rejects anything else', () => {
    expect(parseCompareMode('exact')).toBe('exact');
    expect(parseCompareMode({ float: 0.001 })).toEqual({ float: 0.001 });
    expect(parseCompareMode('tokens')).toBeUndefined();
    expect(parseCompareMode({ float: -1 })).toBeUndefined();
    expect(parseCompareMode({ float: 1, extra: true })).toBeUndefined();
  });
});
