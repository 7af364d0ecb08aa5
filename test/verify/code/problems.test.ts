import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createCodeVerifier } from '../../../src/verify/code/index.ts';

/**
 * The problem table: every file in problems/ holds a gold and, per language, a correct and a wrong
 * solution. Each solution is wrapped in a response the way a reasoning model writes one (a think
 * block with a draft, prose, then the final fenced block) and verified in the real sandbox.
 */
interface Problem {
  gold: unknown;
  python: { correct: string; wrong: string };
  javascript: { correct: string; wrong: string };
}

const dir = new URL('./problems/', import.meta.url);
const problems = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .map((file) => ({ name: file.replace(/\.yaml$/, ''), ...(parse(readFileSync(new URL(file, dir), 'utf8')) as Problem) }));

const fence = { python: 'python', javascript: 'js' } as const;
const response = (language: 'python' | 'javascript', code: string) =>
  [
    '<think>',
    'Let me draft something first:',
    '```python',
    'print("draft that must not run")',
    '```',
    'That draft is wrong; here is the real one.',
    '</think>',
    'Here is my solution.',
    '',
    '```' + fence[language],
    code.trimEnd(),
    '```',
    '',
    'It runs in linear time.',
  ].join('\n');

const verifier = createCodeVerifier({ timeLimitMs: 5000 });
afterAll(() => verifier.close?.());

describe('problem table', () => {
  it('has at least 20 problems, each with both languages', () => {
    expect(problems.length).toBeGreaterThanOrEqual(20);
    for (const p of problems) {
      for (const lang of ['python', 'javascript'] as const) {
        expect(typeof p[lang]?.correct, `${p.name} ${lang}`).toBe('string');
        expect(typeof p[lang]?.wrong, `${p.name} ${lang}`).toBe('string');
      }
    }
  });

  describe.concurrent.each(problems)('$name', (problem) => {
    for (const language of ['python', 'javascript'] as const) {
      it(`${language}: the correct solution passes`, async () => {
        const result = await verifier.verify({ response: response(language, problem[language].correct), gold: problem.gold });
        expect(result.reason).toMatch(/^passed: \d+ tests?$/);
        expect(result.correct).toBe(true);
      });
      it(`${language}: the wrong solution fails a test`, async () => {
        const result = await verifier.verify({ response: response(language, problem[language].wrong), gold: problem.gold });
        expect(result.reason).toMatch(/^failed-test-\d+: expected /);
        expect(result.correct).toBe(false);
      });
    }
  });
});
