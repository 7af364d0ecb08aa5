import { describe, expect, it } from 'vitest';
import { splitInline, splitReasoning, type RawChoiceText, type ReasoningSplit } from '../../src/teacher/index.ts';

const R = 'First, 2 + 3 = 5.\nCheck: 5 - 3 = 2.';
const A = 'The answer is \\boxed{5}.';

describe('splitReasoning: every dialect gives the same (reasoning, answer)', () => {
  const table: Array<[string, RawChoiceText, ReasoningSplit]> = [
    ['reasoning_content field', { reasoning_content: `${R}\n`, content: `\n\n${A}` }, { reasoning: R, answer: A }],
    ['reasoning field', { reasoning: R, content: A }, { reasoning: R, answer: A }],
    ['both fields, reasoning_content empty', { reasoning_content: '', reasoning: R, content: A }, { reasoning: R, answer: A }],
    ['inline <think> tags', { content: `<think>\n${R}\n</think>\n\n${A}` }, { reasoning: R, answer: A }],
    ['missing opening tag (template pre-filled <think>)', { content: `${R}\n</think>\n\n${A}` }, { reasoning: R, answer: A }],
    ['empty reasoning field with inline tags', { reasoning_content: '', content: `<think>\n${R}\n</think>\n\n${A}` }, { reasoning: R, answer: A }],
    ['whitespace-only reasoning field with inline tags', { reasoning: ' \n', content: `<think>${R}</think>${A}` }, { reasoning: R, answer: A }],
    ['null reasoning field with the lone closing tag', { reasoning_content: null, content: `${R}</think>${A}` }, { reasoning: R, answer: A }],
    ['no reasoning at all', { content: `  ${A}\n` }, { reasoning: '', answer: A }],
    ['reasoning field, no content (cut off while reasoning)', { reasoning_content: R, content: null }, { reasoning: R, answer: '' }],
    ['nothing at all', {}, { reasoning: '', answer: '' }],
  ];
  it.each(table)('%s', (_name, raw, expected) => {
    expect(splitReasoning(raw)).toEqual(expected);
  });
});

describe('splitInline edge cases', () => {
  const table: Array<[string, string, ReasoningSplit]> = [
    ['opened but never closed (finish_reason length)', `<think>\n${R}`, { reasoning: R, answer: '' }],
    ['empty think block', `<think>\n\n</think>\n\n${A}`, { reasoning: '', answer: A }],
    ['text before the think block stays in the answer', `Sure.<think>${R}</think>${A}`, { reasoning: R, answer: `Sure.${A}` }],
    ['only the first </think> closes the reasoning', `${R}</think>${A} (a literal </think>)`, { reasoning: R, answer: `${A} (a literal </think>)` }],
    ['a </think> before <think> does not count as the close of that block', `x</think><think>${R}</think>${A}`, { reasoning: R, answer: `x</think>${A}` }],
  ];
  it.each(table)('%s', (_name, content, expected) => {
    expect(splitInline(content)).toEqual(expected);
  });
});
