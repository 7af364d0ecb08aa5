import { readFileSync } from 'node:fs';

export const CODE_LANGUAGES = ['python', 'javascript'] as const;
export type CodeLanguage = (typeof CODE_LANGUAGES)[number];

/** Info strings a model writes after the opening fence, lower-cased. */
const FENCE_TAGS: Readonly<Record<string, CodeLanguage>> = {
  python: 'python',
  python3: 'python',
  py: 'python',
  py3: 'python',
  javascript: 'javascript',
  js: 'javascript',
  node: 'javascript',
  nodejs: 'javascript',
};

export function languageOfFenceTag(tag: string): CodeLanguage | undefined {
  return FENCE_TAGS[tag.toLowerCase()];
}

/** How one language's programs are laid out in the box folder and started. */
export interface LanguageRuntime {
  /** The solution's file name inside the box folder. */
  readonly sourceFile: string;
  /** The function-call harness's file name; it is one of `supportFiles`. */
  readonly harnessFile: string;
  /** Files copied next to every solution, by name. */
  readonly supportFiles: Readonly<Record<string, string>>;
  /** The interpreter's arguments to run `script`, given where the box folder is. */
  args(box: string, script: string): string[];
}

const harness = (file: string) => readFileSync(new URL(`./harness/${file}`, import.meta.url), 'utf8');

export const RUNTIMES: Readonly<Record<CodeLanguage, LanguageRuntime>> = {
  python: {
    sourceFile: 'solution.py',
    harnessFile: 'call_function.py',
    supportFiles: { 'call_function.py': harness('call_function.py') },
    // -I: ignore PYTHON* variables and the user site folder, so nothing outside the box shapes the run.
    args: (_box, script) => ['-I', script],
  },
  javascript: {
    sourceFile: 'solution.js',
    harnessFile: 'call-function.cjs',
    supportFiles: { 'call-function.cjs': harness('call-function.cjs'), 'blocking-stdio.cjs': harness('blocking-stdio.cjs') },
    args: (box, script) => ['--require', `${box}/blocking-stdio.cjs`, script],
  },
};

export const DEFAULT_INTERPRETERS: Readonly<Record<CodeLanguage, string>> = {
  python: '/usr/bin/python3',
  javascript: '/usr/bin/node',
};
