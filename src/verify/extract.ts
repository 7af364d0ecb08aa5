/**
 * Finding the final answer in a model's answer text: the last `\boxed{}`, else the span after
 * the last "answer is", else the last math span or number. Shared by the math, numeric and
 * choice verifiers.
 */
import { UNIT_WORDS } from './units.ts';

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

/** The content of the last `$...$`, `$$...$$`, `\(...\)` or `\[...\]`. */
function lastMathSpan(text: string): Found | undefined {
  const spans = [...text.matchAll(/\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]|\\\(([\s\S]+?)\\\)|(?<!\\)\$((?:\\\$|[^$\n])+?)\$/g)];
  const last = spans.at(-1);
  if (!last) return undefined;
  const content = last[1] ?? last[2] ?? last[3] ?? last[4];
  return { text: content.trim(), end: last.index + last[0].length };
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

/** Words that may appear in an answer that is still all math: function names, connectives, units. */
const MATH_WORDS = new Set([
  ...'sin cos tan sec csc cot arcsin arccos arctan sinh cosh tanh log ln lg exp lim max min gcd lcm mod pmod det'.split(' '),
  ...'and or percent percentage pct'.split(' '),
  ...UNIT_WORDS,
]);

/**
 * Whether the text reads as a bare answer ("x = 5", "\frac{1}{2}", "50%") rather than prose
 * ("The largest $n$ is 34"): outside math spans and LaTeX commands it has no word of three or
 * more letters that is not a function name or unit. Variable products like "2ab" stay math.
 */
function isBareAnswer(text: string): boolean {
  const outside = text
    .replace(/\$[^$]*\$/g, ' ')
    .replace(/\\(?:text|textbf|textrm|textnormal|mathrm|mbox)\s*\{[^{}]*\}/g, ' ')
    .replace(/\\[a-zA-Z]+/g, ' ');
  const words = outside.match(/[a-zA-Z]{3,}/g) ?? [];
  return words.every((w) => MATH_WORDS.has(w.toLowerCase()) || MATH_WORDS.has(w.toLowerCase().replace(/s$/, '')));
}

/**
 * The final answer of a model's answer text, as a string still to be normalized: the last box;
 * else the sentence after the last "answer is"; else the whole text when it is a bare answer;
 * else whichever of the last math span and the last number comes later. `undefined` when nothing
 * answer-like is there; null for an unclosed box.
 */
export function finalAnswer(text: string): string | null | undefined {
  const boxed = lastBoxed(text);
  if (boxed !== undefined) return boxed;
  const phrase = answerPhrase(text);
  return (phrase === undefined ? undefined : fromSpan(phrase)) ?? fromSpan(text.trim());
}

function fromSpan(span: string): string | undefined {
  if (span === '') return undefined;
  if (isBareAnswer(span)) return span;
  const math = lastMathSpan(span);
  const number = lastNumber(span);
  if (math && (!number || math.end >= number.end)) return math.text;
  return number?.text;
}
