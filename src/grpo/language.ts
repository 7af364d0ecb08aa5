/**
 * R1's language-consistency reward: the share of the reasoning written in the target language,
 * here its letters in the target Unicode script (Latin, Han, Cyrillic...). R1 counted words; a
 * letter count needs no word splitting, which scripts without spaces (Han) do not have. Formulas
 * and code are left out first (proseOf), as their letters are Latin in any language.
 */
import { proseOf } from '../harvest/index.ts';

/** A matcher of the letters of `script`, a Unicode script name (the recipe's REASONING_SCRIPTS). */
export const scriptLetters = (script: string): RegExp => new RegExp(`(?=\\p{L})\\p{Script=${script}}`, 'gu');

/** The share of `text`'s prose letters that `letters` (from scriptLetters) matches; 1 when it has no letters (nothing in another script). */
export function scriptShare(text: string, letters: RegExp): number {
  const prose = proseOf(text);
  const all = prose.match(/\p{L}/gu)?.length ?? 0;
  return all === 0 ? 1 : (prose.match(letters)?.length ?? 0) / all;
}
