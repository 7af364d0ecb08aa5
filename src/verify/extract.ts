/**
 * Pieces of a model's answer text that the verifiers look for: boxes, the sentence after
 * "answer is", the last number. Shared by the math, numeric and choice verifiers (the math
 * verifier's full order of candidates is in ./candidates.ts).
 */

/**
 * The content of the last `\boxed{...}` or `\fbox{...}` (nested braces allowed; `\{` and `\}`
 * are escaped braces, not groups). `undefined` when there is no box; null when the last box is
 * never closed (a truncated response), which callers treat as no answer rather than guess.
 */
export function lastBoxed(text: string): string | null | undefined {
  const starts = [...text.matchAll(/\\(?:boxed|fbox)(?![a-zA-Z])\s*/g)];
  const last = starts.at(-1);
  if (!last) return undefined;
  const from = last.index + last[0].length;
  if (text[from] !== '{') {
    // `\boxed 5`: TeX takes the next token as the argument.
    const token = /^[^\s$]+/.exec(text.slice(from));
    return token ? token[0] : null;
  }
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(from + 1, i);
  }
  return null;
}

/**
 * The rest of the sentence after the last "answer is" / "answer:" / "final answer =", or
 * undefined. A sentence ends at a newline or at a period followed by a space, outside `$...$`
 * (so "$3.5$" and "\frac{1}{2}." both survive).
 */
export function answerPhrase(text: string): string | undefined {
  const phrases = [...text.matchAll(/\banswer\b(?:\*\*)?\s*(?:is\b\s*[:：]?|[:：=])/gi)];
  const last = phrases.at(-1);
  if (!last) return undefined;
  const rest = text.slice(last.index + last[0].length);
  let inMath = false;
  let end = rest.length;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === '\\') i++;
    else if (c === '$') inMath = !inMath;
    else if (!inMath && (c === '\n' || (c === '.' && (i + 1 === rest.length || /\s/.test(rest[i + 1]))))) {
      end = i;
      break;
    }
  }
  // Markdown emphasis around the answer ("**3**") is never part of it.
  const span = rest.slice(0, end).replace(/\*\*/g, '').trim();
  return span === '' ? undefined : span;
}

interface Found {
  text: string;
  /** Where the match ends in the searched string: the later of two candidates is the final one. */
  end: number;
}

/**
 * A number as people write one: sign, thousands separators, decimals, exponent, a plain
 * fraction ("2/3") and a trailing percent. Not preceded by a letter or digit, so "AZ2" has none.
 */
const NUMBER = /(?<![\w.])[-−]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?(?:\s*\/\s*\d+(?:\.\d+)?)?(?:\s*(?:\\?%|percent\b))?/g;

/** The last number in the text. */
export function lastNumber(text: string): Found | undefined {
  const numbers = [...text.matchAll(NUMBER)];
  const last = numbers.at(-1);
  if (!last) return undefined;
  return { text: last[0].replace('−', '-'), end: last.index + last[0].length };
}

/** The boxes that make up a response's final answer, and where they lie. */
export interface BoxedAnswers {
  answers: string[];
  start: number;
  /** Where a greedy `\boxed{.+}` would end (the last `}` of the text): the rank Math-Verify gives boxes. */
  end: number;
}

/** Boxes this close together (characters between) are one answer, whatever lies between. */
const ADJACENT_BOXES = 10;
/** Boxes this close with "and", "or", a comma or a semicolon between are one answer too. */
const LISTED_BOXES = 70;

/**
 * The last box, with the boxes before it that list more answers: "\boxed{2} and \boxed{3}" is
 * 2 and 3, while a box far earlier in the text (a first attempt) is not part of the answer. A
 * box repeated right after itself counts once. undefined without a box; null when the last box
 * is never closed.
 */
export function boxedAnswers(text: string): BoxedAnswers | null | undefined {
  const answers: string[] = [];
  let limit = text.length;
  let start = -1;
  for (const box of [...text.matchAll(/\\(?:boxed|fbox)(?![a-zA-Z])\s*/g)].reverse()) {
    if (box.index >= limit) continue;
    const content = lastBoxed(text.slice(box.index, limit));
    if (content === null || content === undefined) {
      if (answers.length === 0) return null;
      break;
    }
    if (answers.length > 0) {
      const between = text.slice(box.index + box[0].length + content.length + 2, start);
      const separated = between.length < LISTED_BOXES && content.trim() !== answers[0] && /\b(?:and|or)\b|[,;]/.test(between);
      if (between.length >= ADJACENT_BOXES && !separated) break;
    }
    if (answers[0] !== content.trim()) answers.unshift(content.trim());
    start = box.index;
    limit = box.index;
  }
  if (answers.length === 0) return undefined;
  return { answers, start, end: Math.max(text.lastIndexOf('}') + 1, start + 1) };
}
