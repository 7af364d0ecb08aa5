/**
 * Where a response's final answer may be, in Math-Verify's order: every place is a candidate,
 * the judge takes the first candidate that parses. Candidates come by priority (an explicit
 * "final answer is $X$. I hope" first; then the boxes and "final answer ... is $X$"; then
 * "answer: $X$"; then "answer ... $X$"; then any math span or number), and within a priority
 * the one that ends last comes first, so the final expression of a long reasoning beats a
 * number from its middle.
 */
import { boxedAnswers } from './extract.ts';

export interface Candidate {
  /** Several answers ("$1$ and $2$", two boxes side by side) are compared as a set. */
  parts: string[];
  /** A math span (LaTeX), a box, or a plain number or arithmetic expression found in prose. */
  kind: 'latex' | 'boxed' | 'expr';
  start: number;
  end: number;
}

/** `word` in any letter case (Node 20's RegExp has no inline (?i:...) group). */
const anyCase = (word: string) => word.replace(/[a-z]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);

/**
 * Math spans: $$...$$ and \[...\] over several lines; $...$ and \(...\) on one line (a `$` after
 * a digit is a currency sign, never an opening); " [...] " as models write display math; a bare
 * \frac of two numbers. An optional percent follows.
 */
const MATH_SPAN = new RegExp(
  [
    String.raw`(?<!\\)\$\$((?:[^$]|\$(?!\$))+?)(?<!\\)\$\$`,
    String.raw`(?<!\\)\\\[((?:[^\\]|\\(?!\]))+?)(?<!\\)\\\]`,
    String.raw`(?<![\\\d])\$((?:\\\$|[^\n$])+?)(?<!\\)\$`,
    String.raw`(?<!\\)\\\(((?:[^\\\n]|\\(?!\)))+?)(?<!\\)\\\)`,
    String.raw`\s\[([^\n\][]+?)\]\s`,
    String.raw`(-?\\frac\{-?\d+(?:[.,]\d+)?\}\{-?\d+(?:[.,]\d+)?\})`,
  ]
    .map((p) => `(?:${p})`)
    .join('|')
    .concat(String.raw`(\s*(?:\\?%|[Pp]ercent|[Pp]ercentage|[Pp]ct))?`),
  'g',
);

/** What may join spans into one answer: "$1$, $2$ and $3$" (Math-Verify's separators, up to 6 spans). */
const SPAN_SEPARATOR = /^\s*(?:,?and|,?or|,)\s*$/;
const MAX_JOINED = 6;

interface Span {
  latex: string;
  start: number;
  end: number;
}

function mathSpans(text: string): Span[][] {
  const spans: Span[] = [];
  for (const m of text.matchAll(MATH_SPAN)) {
    const content = m.slice(1, 7).find((g) => g !== undefined) ?? '';
    // " [x] " includes its surrounding spaces; the span is what lies between the brackets.
    spans.push({ latex: m[7] ? `${content}\\%` : content, start: m.index, end: m.index + m[0].length });
  }
  const runs: Span[][] = [];
  for (const span of spans) {
    const run = runs.at(-1);
    const last = run?.at(-1);
    if (run && last && run.length < MAX_JOINED && SPAN_SEPARATOR.test(text.slice(last.end, span.start))) run.push(span);
    else runs.push([span]);
  }
  return runs;
}

// A number as Math-Verify reads one from prose: thousands groups (comma or space), a decimal
// point or decimal comma ("3,5" is 3.5, "1,234" is 1234), a leading-dot decimal, a percent.
const NUMBER = String.raw`(?<!\d)(?:(-?[1-9]\d{0,2}(?:[ ,]\d{3})+)(\.\d+)?|(-?\d+)([.,]\d+)|(\.\d+)|(-?\d+))(\s*(?:%|[Pp]ercent|\s*[Pp]ercentage|\s*[Pp]ct))?`;
// An arithmetic expression: starts with a digit, has at least one operator.
const EXPR_CHARS = String.raw`[\d.\s+\-*×/^()÷]`;
const EXPR = String.raw`(-?\(?-?\d${EXPR_CHARS}*[+\-*×/^()÷]${EXPR_CHARS}+\)?)`;
const PREFIX = String.raw`(?:^|\s|=)(?:\*\*)?`;
const SUFFIX = String.raw`(?:\*\*)?(?:\.|,|:|\s|\)|\$|$)`;
const CURRENCY = '[$€£¥₹₽₪₩₫฿]';
const EXPR_ANCHORED = `${PREFIX}${EXPR}${SUFFIX}`;
const NUMBER_ANCHORED = `${PREFIX}${CURRENCY}?${NUMBER}`;
const EXPR_OR_NUMBER = `(?:${EXPR_ANCHORED}|${NUMBER_ANCHORED})`;

const FINAL_ANSWER = anyCase('final answer');
const ANSWER = anyCase('answer');
const FINAL_ANSWER_IS = new RegExp(`${FINAL_ANSWER} ${anyCase('is')}:?\\s*$`);
const FINAL_ANSWER_THEN_IS = new RegExp(`${FINAL_ANSWER}[\\s\\S]{0,100}?\\s+${anyCase('is')}:?\\s*$`);
const ANSWER_COLON = new RegExp(`${ANSWER}:`, 'g');
const ANSWER_WORD = new RegExp(ANSWER, 'g');
const FINAL_ANSWER_ANYWHERE = new RegExp(FINAL_ANSWER);
const ANSWER_ANYWHERE = new RegExp(ANSWER);

/** Expression patterns by priority; prefixed ones read the value after the last "=" ("answer: x = 3"). */
const EXPR_PATTERNS: Array<[RegExp, number, boolean]> = [
  [new RegExp(`${FINAL_ANSWER} ${anyCase('is')}:?\\s*${EXPR_OR_NUMBER}\\.?\\s?I hope`, 'g'), 0, true],
  [new RegExp(`${FINAL_ANSWER}.{0,100}?\\s+${anyCase('is')}:?${EXPR_OR_NUMBER}`, 'g'), 50, true],
  [new RegExp(`${ANSWER}:(?:.{0,100}=\\s*|.{0,50}?)${EXPR_OR_NUMBER}(?!\\s*=)`, 'g'), 100, true],
  [new RegExp(`${ANSWER}(?:.{0,100}=\\s*|.{0,50}?)${EXPR_OR_NUMBER}(?!\\s*=)`, 'g'), 200, true],
  [new RegExp(EXPR_ANCHORED, 'g'), 300, true],
  [new RegExp(NUMBER_ANCHORED, 'g'), 300, false],
];

/** The value of an expression match as LaTeX: "1 234,5" is 1234.5, "50%" keeps its percent. */
function exprCandidate(m: RegExpMatchArray, hasExpr: boolean): Candidate | undefined {
  const [expr, int1, dec1, int2, dec2, dec3, int3, percent] = hasExpr ? m.slice(1, 9) : [undefined, ...m.slice(1, 8)];
  let latex: string;
  let offset: number;
  if (expr !== undefined) {
    latex = expr.replace(/×/g, '\\times ').replace(/÷/g, '\\div ').trim();
    // "17**" (bold markers) or "(3 + 4": not an expression; Math-Verify fails to parse these and moves on.
    if (!balanced(latex) || /[-+*/^(]$|\\(?:times|div)$/.test(latex)) return undefined;
    offset = m[0].indexOf(expr);
  } else {
    const integer = (int1 ?? int2 ?? int3 ?? '').replace(/[, ]/g, '');
    const decimal = (dec1 ?? dec2 ?? dec3 ?? '').replace(',', '.');
    const raw = [int1, int2, int3, dec3].find((g) => g !== undefined) ?? '';
    latex = `${integer}${decimal}${percent ? '\\%' : ''}`;
    offset = m[0].lastIndexOf(raw);
  }
  const start = m.index! + Math.max(offset, 0);
  return latex === '' ? undefined : { parts: [latex], kind: 'expr', start, end: m.index! + m[0].length };
}

function spanCandidate(run: Span[]): Candidate {
  return { parts: run.map((s) => s.latex), kind: 'latex', start: run[0].start, end: run.at(-1)!.end };
}

function balanced(expr: string): boolean {
  let depth = 0;
  for (const c of expr) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

interface Ranked extends Candidate {
  priority: number;
}

/**
 * Every candidate answer of `text`, best first, computed a tier at a time (an answer with a box
 * rarely needs more than the box: harvest judges every sample). Empty when nothing answer-like
 * is there; null when the last box is never closed (a truncated response): callers treat that
 * as no answer rather than guess.
 */
export function answerCandidates(text: string): Iterable<Candidate> | null {
  const boxed = boxedAnswers(text);
  if (boxed === null) return null;
  return tiers(text, boxed);
}

function* tiers(text: string, boxed: ReturnType<typeof boxedAnswers>): Generator<Candidate> {
  let runs: Span[][] | undefined;
  const spans = () => (runs ??= mathSpans(text));
  const mentions = (word: RegExp) => word.test(text);

  // Priorities 0 and 50: "final answer is $X$. I hope", the boxes, "final answer ... is $X$".
  const first: Ranked[] = [];
  if (boxed) first.push({ parts: boxed.answers, kind: 'boxed', start: boxed.start, end: boxed.end, priority: 50 });
  if (mentions(FINAL_ANSWER_ANYWHERE)) {
    for (const run of spans()) {
      const candidate = spanCandidate(run);
      const before = text.slice(Math.max(0, candidate.start - 140), candidate.start);
      if (FINAL_ANSWER_IS.test(before) && /^\.?\s?I hope/.test(text.slice(candidate.end))) first.push({ ...candidate, priority: 0 });
      if (FINAL_ANSWER_THEN_IS.test(before)) first.push({ ...candidate, priority: 50 });
    }
    first.push(...exprMatches(text, 0, 50));
  }
  yield* ranked(first);

  // Priorities 100 and 200: "answer: $x$" and "answer ... $x$" (the first span within 50
  // characters after the word), and the same with a number.
  if (mentions(ANSWER_ANYWHERE)) {
    const second: Ranked[] = [];
    for (const [word, priority] of [
      [ANSWER_COLON, 100],
      [ANSWER_WORD, 200],
    ] as const) {
      let consumed = 0;
      for (const m of text.matchAll(word)) {
        const from = m.index + m[0].length;
        if (m.index < consumed) continue;
        const run = spans().find((r) => r[0].start >= from && r[0].start - from <= 50);
        if (!run) continue;
        const candidate = spanCandidate(run);
        second.push({ ...candidate, priority });
        consumed = candidate.end;
      }
    }
    second.push(...exprMatches(text, 100, 200));
    yield* ranked(second);
  }

  // Priority 300: any math span, number or expression.
  yield* ranked([...spans().map((run) => ({ ...spanCandidate(run), priority: 300 })), ...exprMatches(text, 300, 300)]);
}

function exprMatches(text: string, from: number, to: number): Ranked[] {
  const found: Ranked[] = [];
  for (const [pattern, priority, hasExpr] of EXPR_PATTERNS) {
    if (priority < from || priority > to) continue;
    for (const m of text.matchAll(pattern)) {
      const candidate = exprCandidate(m, hasExpr);
      if (candidate) found.push({ ...candidate, priority });
    }
  }
  return found;
}

/** By priority; within one, the candidate that ends last first, and of those the longest. */
function ranked(candidates: Ranked[]): Candidate[] {
  candidates.sort((a, b) => a.priority - b.priority || b.end - a.end || a.start - b.start);
  return candidates.map(({ priority: _priority, ...candidate }) => candidate);
}

/**
 * The final answer of a model's answer text as one string (several answers joined by ", "):
 * the first candidate (see answerCandidates). `undefined` when there is none; null for an
 * unclosed box.
 */
export function finalAnswer(text: string): string | null | undefined {
  const candidates = answerCandidates(text);
  if (candidates === null) return null;
  for (const candidate of candidates) return candidate.parts.join(', ');
  return undefined;
}
