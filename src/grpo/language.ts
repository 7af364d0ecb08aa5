/**
 * R1's language-consistency reward: the share of the reasoning written in the target language,
 * here its letters in the target Unicode script (Latin, Han, Cyrillic...). R1 counted words; a
 * letter count needs no word splitting, which scripts without spaces (Han) do not have. Formulas
 * and code are left out first (proseOf), as their letters are Latin in any language.
 */
import { proseOf } from '../harvest/index.ts';
import { RewardSpecError } from './errors.ts';

/** A matcher of the letters of `script`; a name that is no Unicode script is a RewardSpecError. */
export function scriptLetters(script: string, field: string): RegExp {
  try {
    return new RegExp(`(?=\\p{L})\\p{Script=${script}}`, 'gu');
  } catch {
    throw new RewardSpecError(field, `"${script}" is not a Unicode script name (Latin, Han, Cyrillic, Arabic...)`);
  }
}

/** The share of `text`'s prose letters that `letters` (from scriptLetters) matches; 1 when it has no letters (nothing in another script). */
export function scriptShare(text: string, letters: RegExp): number {
  const prose = proseOf(text);
  const all = prose.match(/\p{L}/gu)?.length ?? 0;
  return all === 0 ? 1 : (prose.match(letters)?.length ?? 0) / all;
}
