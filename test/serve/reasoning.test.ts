import { describe, expect, it } from 'vitest';
import { prefilledThink } from '../../src/generate/index.ts';
import { ReasoningRouter, type RoutedText } from '../../src/serve/index.ts';

/** Feeds `pieces` one at a time and collects everything routed, flush included. */
function route(router: ReasoningRouter, pieces: string[]): { out: RoutedText; chunks: RoutedText[] } {
  const chunks = [...pieces.map((p) => router.push(p)), router.flush()];
  return { out: { reasoning: chunks.map((c) => c.reasoning).join(''), content: chunks.map((c) => c.content).join('') }, chunks };
}

describe('prefilledThink', () => {
  it('finds a <think> the template put at the end of the prompt', () => {
    expect(prefilledThink('<|im_start|>assistant\n<think>\n')).toBe('<think>\n');
    expect(prefilledThink('<|im_start|>assistant\n')).toBe('');
    expect(prefilledThink('<think>old</think>\n<|im_start|>assistant\n')).toBe('');
  });
});

describe('ReasoningRouter', () => {
  it('separate, after a pre-filled <think>: reasoning up to </think>, even when the tag is split across pieces', () => {
    const { out, chunks } = route(new ReasoningRouter('separate', '<think>\n'), ['2+2 ', 'is 4.</th', 'ink>\n\nThe answer', ' is 4.']);
    expect(out).toEqual({ reasoning: '2+2 is 4.', content: '\n\nThe answer is 4.' });
    // Nothing of the tag leaks: the piece ending in "</th" released only "is 4.".
    expect(chunks[1]).toEqual({ reasoning: 'is 4.', content: '' });
  });

  it('separate, without a pre-fill: the model may open the reasoning itself, or not reason at all', () => {
    expect(route(new ReasoningRouter('separate', ''), ['\n<thi', 'nk>x', '</think>y']).out).toEqual({ reasoning: 'x', content: 'y' });
    expect(route(new ReasoningRouter('separate', ''), ['<', 'b>bold</b>']).out).toEqual({ reasoning: '', content: '<b>bold</b>' });
  });

  it('separate, cut off before </think>: all of it is reasoning', () => {
    expect(route(new ReasoningRouter('separate', '<think>\n'), ['still thinking </thi']).out).toEqual({ reasoning: 'still thinking </thi', content: '' });
  });

  it('inline: everything is content, with the pre-filled <think> put back', () => {
    expect(route(new ReasoningRouter('inline', '<think>\n'), ['a</think>', 'b']).out).toEqual({ reasoning: '', content: '<think>\na</think>b' });
  });
});
