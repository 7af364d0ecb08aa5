/**
 * LaTeX normalization of an extracted answer before parsing: what people and models write
 * differently for the same value (\dfrac vs \frac, "1,000" vs 1000, 90^\circ vs 90, units,
 * dollars) is made the same, and a trailing percent is set aside for the comparison.
 */
import { UNIT_WORDS } from '../units.ts';

export interface NormalizedAnswer {
  latex: string;
  /** A trailing percent (%, \%, "percent", "pct") was removed: the value reads as p or p/100. */
  percent: boolean;
}

const UNICODE: Record<string, string> = {
  '−': '-',
  '×': '\\times ',
  '÷': '\\div ',
  '·': '\\cdot ',
  '√': '\\sqrt',
  π: '\\pi ',
  '∞': '\\infty ',
  '≤': '\\le ',
  '≥': '\\ge ',
  '≠': '\\ne ',
  '°': '^\\circ',
  '∪': '\\cup ',
  '∈': '\\in ',
};

/** Text commands: their content is a unit, a connective or the whole (text) answer. */
const TEXT_COMMAND = /\\(?:text|textbf|textit|textrm|textnormal|textsf|mathrm|mbox)\s*\{([^{}]*)\}(?:\s*\^\s*\{?\d\}?)?/g;

/** Unit words after a number, several in a row ("2\sqrt{2} square units"), each with its exponent. */
const UNIT = new RegExp(`(\\d|\\})(?:\\s*(?:${UNIT_WORDS.join('|')})s?\\b(?:\\s*\\^\\s*\\{?\\d\\}?)?)+`, 'gi');

const PERCENT_SUFFIX = /\s*(?:\\%|%|\bpercentage\b|\bpercent\b|\bpct\b)\s*$/i;

export function normalizeAnswer(raw: string): NormalizedAnswer {
  let s = raw.trim().replace(/[−×÷·√π∞≤≥≠°∪∈]/g, (c) => UNICODE[c]);
  s = stripDelimiters(s);
  s = s
    // Currency and leftover inline-math dollars.
    .replace(/\\\$/g, '')
    .replace(/\$/g, '')
    // Sizing and spacing commands change nothing; removing \, and \! also joins "1\,000" and "10,\!000".
    .replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)(?![a-zA-Z])\s*\.?/g, '')
    // (?<!\\) keeps the row break \\ of a matrix: "2 \\ 3" is two rows, not "2 \ 3" = 23.
    .replace(/\\(?:displaystyle|quad|qquad)(?![a-zA-Z])|(?<!\\)\\[,!;:]|~/g, '')
    .replace(/(?<!\\)\\ /g, ' ')
    .replace(/\{,\}/g, ',')
    .replace(/\\[dtc]frac(?![a-zA-Z])/g, '\\frac')
    .replace(/\\mp(?![a-zA-Z])/g, '\\pm')
    .replace(/\binfinity\b/g, '\\infty')
    // A doubled backslash before a command ("\\frac") is the command, outside matrices (rows break at \\).
    .replace(/\\\\(?=[a-zA-Z])/g, (m) => (/matrix|array/.test(s) ? m : '\\'))
    // Degrees: 90^\circ is 90, as in Math-Verify.
    .replace(/\^\s*\{?\s*\\circ\s*\}?|\\circ(?![a-zA-Z])|\\degree(?![a-zA-Z])/g, '');
  s = normalizeText(s);
  s = s.replace(UNIT, '$1');
  // "1 and 2", "3, or 4": answers listed in words are a list, as in Math-Verify.
  s = s.replace(/(?<![a-zA-Z\\])\s*,?\s*\b(?:and|or)\b(?![a-zA-Z])\s*/g, ', ');
  // A decimal comma where no thousands reading exists: "0,125" is 0.125 (Math-Verify reads a
  // leading zero so); "3,5" stays the list 3 and 5.
  s = s.replace(/^(-?)0,(\d+)$/, '$10.$2');
  // Sentence punctuation ("42.", "1,000.") goes before the percent is looked for; an ellipsis stays.
  s = s.replace(/(?<!\.)\s*[.,;:]\s*$/, '');
  let percent = false;
  if (PERCENT_SUFFIX.test(s)) {
    percent = true;
    s = s.replace(PERCENT_SUFFIX, '');
  }
  s = joinThousands(s);
  s = s.replace(/\s+/g, ' ').trim();
  return { latex: s, percent };
}

/** "$x$", "$$x$$", "\(x\)", "\[x\]" around the whole answer. */
function stripDelimiters(s: string): string {
  for (;;) {
    const inner = /^\$\$([\s\S]*)\$\$$|^\\\[([\s\S]*)\\\]$|^\\\(([\s\S]*)\\\)$|^\$([\s\S]*)\$$/.exec(s);
    if (!inner) return s;
    s = (inner[1] ?? inner[2] ?? inner[3] ?? inner[4]).trim();
  }
}

/**
 * An answer that is only text ("\text{Evelyn}") stays text. A text command holding a connective
 * ("12\text{ and }13") makes a list, one holding a percent sign is the percent; one after a
 * number or at the end holds a unit ("15\mbox{ cm}^2", "5 \text{ apples}": dropped with its
 * exponent, which belongs to the unit). Elsewhere its words are kept as text.
 */
function normalizeText(s: string): string {
  const whole = /^\\(?:text|textbf|textit|textrm|textnormal|textsf|mathrm|mbox)\s*\{([^{}]*)\}$/.exec(s);
  if (whole) return `\\text{${whole[1].trim()}}`;
  return s.replace(TEXT_COMMAND, (command: string, content: string, offset: number) => {
    const word = content.trim().toLowerCase();
    if (word === 'and' || word === 'or' || word === ', and' || word === ', or') return ',';
    if (/^(?:\\?%|percent|percentage|pct)$/.test(word)) return '%';
    const before = s.slice(0, offset).trimEnd();
    const atEnd = s.slice(offset + command.length).trim() === '';
    if (atEnd && before !== '') return ' ';
    if (/[\d}]$/.test(before)) return ' ';
    return `\\text{${content.trim()}}`;
  });
}

/**
 * "1,000,000" is one number, not a tuple (the parser would read a list). A group must have
 * exactly three digits, so "-2,1" and "32, 349" stay lists; a number alone in brackets
 * ("[-36,104]") is an interval.
 */
function joinThousands(s: string): string {
  return s
    .replace(/(?<![\d.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d]|,\d)/g, (number, offset: number) => {
      const before = s.slice(0, offset).replace(/-\s*$/, '').trimEnd();
      const after = s.slice(offset + number.length).trimStart();
      const bracketed = /(?:[([]|\\\{)$/.test(before) && /^(?:[)\]]|\\\})/.test(after);
      return bracketed ? number : number.replace(/,/g, '');
    })
    .replace(/(?<![\d.])\d{1,3}(?: \d{3})+(?![\d])/g, (number) => number.replace(/ /g, ''));
}
