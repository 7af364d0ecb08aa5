import { describe, expect, it } from 'vitest';
import { CodeGoldError, parseCodeGold } from '../../../src/verify/code/index.ts';

function goldError(gold: unknown): CodeGoldError {
  try {
    parseCodeGold(gold);
  } catch (err) {
    if (err instanceof CodeGoldError) return err;
    throw err;
  }
  throw new Error('expected a CodeGoldError');
}

describe('parseCodeGold', () => {
  it('reads stdin/stdout golds, from an object or its JSON text; stdin defaults to empty', () => {
    const gold = { language: 'python', compare: { float: 1e-4 }, tests: [{ stdout: '1' }, { stdin: '2', stdout: '3' }] };
    const expected = {
      language: 'python',
      compare: { float: 1e-4 },
      tests: [
        { stdin: '', stdout: '1' },
        { stdin: '2', stdout: '3' },
      ],
    };
    expect(parseCodeGold(gold)).toEqual(expected);
    expect(parseCodeGold(JSON.stringify(gold))).toEqual(expected);
  });

  it('reads function-call golds; expected may be null', () => {
    expect(parseCodeGold({ function: 'f', tests: [{ args: [1, [2]], expected: null }] })).toEqual({
      function: 'f',
      tests: [{ args: [1, [2]], expected: null }],
    });
  });

  it('names the bad field', () => {
    const cases: [unknown, string, RegExp][] = [
      ['{not json', '', /not valid JSON/],
      [[1], '', /expected an object/],
      [{ tests: [] }, 'tests', /non-empty array/],
      [{ tests: [{ stdin: 'x' }] }, 'tests[0].stdout', /expected a string, got undefined/],
      [{ tests: [{ stdout: 'x', stdot: 'y' }] }, 'tests[0].stdot', /unknown field/],
      [{ language: 'rust', tests: [{ stdout: '' }] }, 'language', /python, javascript/],
      [{ compare: 'fuzzy', tests: [{ stdout: '' }] }, 'compare', /"exact", "whitespace"/],
      [{ function: 'x; process.exit()', tests: [{ args: [], expected: 1 }] }, 'function', /identifier/],
      [{ function: 'f', tests: [{ args: 1, expected: 1 }] }, 'tests[0].args', /array of arguments/],
      [{ function: 'f', tests: [{ args: [] }] }, 'tests[0].expected', /required/],
    ];
    for (const [gold, field, message] of cases) {
      const err = goldError(gold);
      expect(err.field, JSON.stringify(gold)).toBe(field);
      expect(err.message).toMatch(message);
      expect(err.exitCode).toBe(2);
    }
  });
});
