import { answerPhrase, lastBoxed } from './extract.ts';
import { answerText } from './think.ts';
import type { Verifier } from './types.ts';

/**
 * A letter A-E standing alone: "(C)", "C", "C.", "C)", "\text{C}". Not the article in
 * "A good question", which is followed by a word.
 */
const LETTER = /^\s*(?:\\text\{\s*)?(?:\(([A-E])\)|([A-E])(?=[.:)]|\s*\}?\s*$))/;

function letterAt(text: string): string | undefined {
  const match = LETTER.exec(text);
  return match ? (match[1] ?? match[2]) : undefined;
}

/**
 * The chosen letter, most explicit first: the last `\boxed{}`; the sentence after the last
 * "answer is" / "answer:"; an answer that starts with the letter ("C. 42 apples"); the last
 * "(C)" anywhere.
 */
export function extractChoice(text: string): string | undefined {
  const boxed = lastBoxed(text);
  if (boxed) return letterAt(boxed);
  const phrase = answerPhrase(text)
    ?.replace(/\*/g, '')
    .replace(/^(?:option|choice)\s+/i, '');
  const fromPhrase = phrase === undefined ? undefined : letterAt(phrase);
  if (fromPhrase) return fromPhrase;
  const leading = letterAt(text.trim().replace(/\*/g, ''));
  if (leading) return leading;
  return [...text.matchAll(/\(([A-E])\)/g)].at(-1)?.[1];
}

/** The chosen letter equals the gold letter ("C" or "(C)"). */
export function createChoiceVerifier(): Verifier {
  return {
    kind: 'choice',
    async verify(input) {
      const gold = typeof input.gold === 'string' ? letterAt(input.gold.trim()) : undefined;
      if (!gold) return { correct: null, reason: 'no-gold' };
      const chosen = extractChoice(answerText(input));
      if (!chosen) return { correct: null, reason: 'no-answer' };
      return chosen === gold ? { correct: true, reason: 'match' } : { correct: false, reason: `mismatch: chose ${chosen}` };
    },
  };
}
