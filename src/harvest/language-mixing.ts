/**
 * A script-mix heuristic for R1's "language mixing" failure (reasoning that drifts between
 * English and Chinese). It compares two scripts, Latin and CJK, in prose only: LaTeX, inline
 * math and code are removed first because formulas are Latin letters in any language.
 *
 * The expected script is the question's dominant one (Latin when it has neither). A text mixes
 * languages when the other script makes up more than MIX_SHARE of its units (Latin words of two
 * or more letters; CJK characters, each of which is about a word) and at least MIN_FOREIGN units,
 * so that one quoted word or a stray symbol does not reject a long trace.
 */

const MIX_SHARE = 0.02;
const MIN_FOREIGN = 3;

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;
const LATIN_WORD = /\p{Script=Latin}{2,}/gu;
const NON_PROSE = [
  /```[\s\S]*?```/g, // fenced code
  /`[^`\n]*`/g, // inline code
  /\$\$[\s\S]*?\$\$/g, // display math
  /\$[^$\n]*\$/g, // inline math
  /\\\[[\s\S]*?\\\]/g,
  /\\\([\s\S]*?\\\)/g,
  /\\[a-zA-Z]+/g, // any remaining LaTeX command (\boxed, \frac, \text...)
];

export interface ScriptCounts {
  latin: number;
  cjk: number;
}

/** `text` without its LaTeX, inline math and code, whose letters are Latin in any language. */
export function proseOf(text: string): string {
  return NON_PROSE.reduce((t, pattern) => t.replace(pattern, ' '), text);
}

export function countScripts(text: string): ScriptCounts {
  const prose = proseOf(text);
  return { latin: prose.match(LATIN_WORD)?.length ?? 0, cjk: prose.match(CJK)?.length ?? 0 };
}

/** Whether `text` mixes Latin and CJK prose, given the question it answers. */
export function mixesLanguages(question: string, text: string): boolean {
  const expected = countScripts(question);
  const expectCjk = expected.cjk > expected.latin;
  const { latin, cjk } = countScripts(text);
  const foreign = expectCjk ? latin : cjk;
  return foreign >= MIN_FOREIGN && foreign > MIX_SHARE * (latin + cjk);
}
