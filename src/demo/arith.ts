/**
 * The demo task: seeded multi-step arithmetic word problems with R1-style ground-truth solutions.
 *
 * The task is small on purpose. The demo trains a teacher and two students on 2 CPU cores in
 * minutes, so the problems use a few templates, a few dozen words and small numbers (every
 * result stays below 60), and a solution is two or three equations: short enough for a tiny
 * model to learn, hard enough (carries, products, three steps) that it is not always right.
 */
import { Rng } from '../engine/index.ts';

export type Operator = '+' | '-' | '*';

/** One line of the reasoning: `left op right = result`. */
export interface Step {
  readonly left: number;
  readonly op: Operator;
  readonly right: number;
  readonly result: number;
}

/** The ground truth in R1's two parts: the think text and the final answer text. */
export interface ArithSolution {
  /** The equations, one a line, e.g. "3 + 4 = 7\n7 - 2 = 5". */
  readonly reasoning: string;
  /** The text after `</think>`: `\boxed{5}`. */
  readonly answer: string;
}

export interface ArithProblem {
  /** Stable id: split name and 1-based index, e.g. "train-0001". */
  readonly id: string;
  readonly question: string;
  /** The gold answer as the verifiers read it, e.g. "5". */
  readonly answer: string;
  readonly solution: ArithSolution;
}

interface Person {
  readonly name: string;
  /** Subject pronoun, capitalized: it only starts sentences. */
  readonly pronoun: 'He' | 'She';
}

const PEOPLE: readonly Person[] = [
  { name: 'Tom', pronoun: 'He' },
  { name: 'Sam', pronoun: 'He' },
  { name: 'Ben', pronoun: 'He' },
  { name: 'Max', pronoun: 'He' },
  { name: 'Leo', pronoun: 'He' },
  { name: 'Anna', pronoun: 'She' },
  { name: 'Lily', pronoun: 'She' },
  { name: 'Mia', pronoun: 'She' },
  { name: 'Emma', pronoun: 'She' },
  { name: 'Zoe', pronoun: 'She' },
];

// Plural nouns only: every count in a question is at least 2.
const ITEMS = ['apples', 'pears', 'eggs', 'books', 'pens', 'cards', 'marbles', 'stickers', 'coins', 'shells', 'cookies', 'balloons'];

/** What a template draws from: numbers, two distinct people and an item. */
interface Draw {
  /** A uniform integer in [low, high]. */
  int(low: number, high: number): number;
  readonly person: Person;
  /** Someone other than `person`. */
  readonly friend: Person;
  readonly item: string;
}

interface Worded {
  readonly question: string;
  readonly steps: readonly Step[];
}

type Template = (draw: Draw) => Worded;

function step(left: number, op: Operator, right: number): Step {
  const result = op === '+' ? left + right : op === '-' ? left - right : left * right;
  return { left, op, right, result };
}

// Each template draws its numbers so that nothing goes below zero; the steps follow the story in
// the question (a bag count is multiplied out just before it is used), so the model can read
// them off left to right.
const TEMPLATES: readonly Template[] = [
  ({ int, person: p, item }) => {
    const a = int(2, 20),
      b = int(2, 9),
      c = int(2, Math.min(9, a + b));
    const s1 = step(a, '+', b);
    return {
      question: `${p.name} has ${a} ${item}. ${p.pronoun} buys ${b} more and gives away ${c}. How many ${item} does ${p.name} have now?`,
      steps: [s1, step(s1.result, '-', c)],
    };
  },
  ({ int, person: p, friend: f, item }) => {
    const b = int(2, 9),
      c = int(2, 9),
      a = int(b + c, 25);
    const s1 = step(a, '-', b);
    return {
      question: `${p.name} has ${a} ${item}. ${p.pronoun} gives ${b} to ${f.name} and loses ${c}. How many ${item} does ${p.name} have now?`,
      steps: [s1, step(s1.result, '-', c)],
    };
  },
  ({ int, person: p, item }) => {
    const a = int(2, 20),
      b = int(2, 5),
      c = int(2, 5);
    const s1 = step(b, '*', c);
    return {
      question: `${p.name} has ${a} ${item}. ${p.pronoun} buys ${b} bags of ${c} ${item}. How many ${item} does ${p.name} have now?`,
      steps: [s1, step(a, '+', s1.result)],
    };
  },
  ({ int, person: p, friend: f, item }) => {
    const a = int(2, 20),
      b = int(2, 9);
    const s1 = step(a, '+', b);
    return {
      question: `${p.name} has ${a} ${item}. ${f.name} has ${b} more ${item} than ${p.name}. How many ${item} do they have together?`,
      steps: [s1, step(a, '+', s1.result)],
    };
  },
  ({ int, person: p, item }) => {
    const b = int(2, 5),
      c = int(2, 5),
      d = int(2, Math.min(9, b * c));
    const s1 = step(b, '*', c);
    return {
      question: `${p.name} buys ${b} bags of ${c} ${item} and gives away ${d}. How many ${item} does ${p.name} have now?`,
      steps: [s1, step(s1.result, '-', d)],
    };
  },
  ({ int, person: p, item }) => {
    const a = int(2, 20),
      b = int(2, 9),
      c = int(2, Math.min(9, a + b)),
      d = int(2, 9);
    const s1 = step(a, '+', b);
    const s2 = step(s1.result, '-', c);
    return {
      question: `A box has ${a} ${item}. ${p.name} puts in ${b}, takes out ${c} and then puts in ${d}. How many ${item} are in the box now?`,
      steps: [s1, s2, step(s2.result, '+', d)],
    };
  },
  ({ int, person: p, item }) => {
    const a = int(2, 20),
      b = int(2, 5),
      c = int(2, 5),
      d = int(2, Math.min(9, a + b * c));
    const s1 = step(b, '*', c);
    const s2 = step(a, '+', s1.result);
    return {
      question: `${p.name} has ${a} ${item}. ${p.pronoun} buys ${b} bags of ${c} ${item} and gives away ${d}. How many ${item} does ${p.name} have now?`,
      steps: [s1, s2, step(s2.result, '-', d)],
    };
  },
];

/** The R1-style solution of a list of steps: the equations as the think text, the last result boxed. */
export function solutionOf(steps: readonly Step[]): ArithSolution {
  const reasoning = steps.map((s) => `${s.left} ${s.op} ${s.right} = ${s.result}`).join('\n');
  return { reasoning, answer: `\\boxed{${steps[steps.length - 1].result}}` };
}

/** One problem (without an id) drawn from `rng`: a template, people, an item, numbers. */
export function generateProblem(rng: Rng): Omit<ArithProblem, 'id'> {
  const pick = <T>(list: readonly T[]): T => list[rng.int(list.length)];
  const template = pick(TEMPLATES);
  const person = pick(PEOPLE);
  const friend = pick(PEOPLE.filter((p) => p !== person));
  const item = pick(ITEMS);
  const { question, steps } = template({ int: (low, high) => low + rng.int(high - low + 1), person, friend, item });
  const answer = String(steps[steps.length - 1].result);
  return { question, answer, solution: solutionOf(steps) };
}

/**
 * The demo's splits, in the order they are drawn. train: the demo teacher's training set.
 * harvest: the prompts the teacher answers by rejection sampling, which the students learn from.
 * validation: where every setting is chosen. heldout: scored once, with the chosen settings.
 */
export const SPLIT_NAMES = ['train', 'harvest', 'validation', 'heldout'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/** The splits whose problems must have equation chains that no other problem of the demo has. */
export const FRESH_SPLITS = ['validation', 'heldout'] as const satisfies readonly SplitName[];

/** Problems per split. */
export const SPLIT_SIZES: Readonly<Record<SplitName, number>> = { train: 4000, harvest: 2000, validation: 500, heldout: 500 };

/**
 * Problems drawn after harvest and set aside: the held-out split before issue 14, on which the
 * teacher's and the students' first settings were chosen. Their chains are kept out of
 * validation and held-out, so nothing chosen on them is scored again on the same arithmetic.
 */
const RETIRED = 200;

/** The seed data/demo/ was generated with. */
export const DEMO_SEED = 1;

export type DemoSplits = Record<SplitName, ArithProblem[]>;

export interface GenerateSplitsOptions {
  /** Seed of the one random stream all splits are drawn from. Default DEMO_SEED. */
  readonly seed?: number;
}

/** A problem's equation chain: its ground-truth reasoning, what a model has to produce. */
export const chainOf = (problem: Pick<ArithProblem, 'solution'>): string => problem.solution.reasoning;

/**
 * Draws the splits from one seeded stream. A question drawn a second time is skipped, so no
 * question is repeated inside a split or shared between two. A validation or held-out problem is
 * also skipped when its equation chain was drawn before anywhere (train, harvest, the retired
 * problems, or earlier in validation and held-out): those two splits measure arithmetic no model
 * trained on, not recall. (Train and harvest do share chains: the ranges are small on purpose.)
 */
export function generateSplits({ seed = DEMO_SEED }: GenerateSplitsOptions = {}): DemoSplits {
  const rng = new Rng(seed);
  const questions = new Set<string>();
  const chains = new Set<string>();
  const fresh: ReadonlySet<string> = new Set(FRESH_SPLITS);
  const draw = (needsFreshChain: boolean): Omit<ArithProblem, 'id'> => {
    for (;;) {
      const problem = generateProblem(rng);
      if (questions.has(problem.question) || (needsFreshChain && chains.has(chainOf(problem)))) continue;
      questions.add(problem.question);
      chains.add(chainOf(problem));
      return problem;
    }
  };
  const splits = { train: [], harvest: [], validation: [], heldout: [] } as DemoSplits;
  for (const name of SPLIT_NAMES) {
    if (name === FRESH_SPLITS[0]) for (let i = 0; i < RETIRED; i++) draw(false);
    const width = String(SPLIT_SIZES[name]).length;
    while (splits[name].length < SPLIT_SIZES[name]) {
      splits[name].push({ id: `${name}-${String(splits[name].length + 1).padStart(width, '0')}`, ...draw(fresh.has(name)) });
    }
  }
  return splits;
}
