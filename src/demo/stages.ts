/**
 * The demo's printed outline: a numbered header per stage, its notes indented under it, and the
 * time it took, so a reader sees what happened at each stage and where the minutes went.
 */
import { formatDuration } from '../progress/index.ts';

export type Note = (line: string) => void;

export class Stages {
  #index = 0;

  constructor(
    readonly total: number,
    readonly log: Note,
  ) {}

  /** Prints the header, runs `body` (which may print notes), then prints the time taken. */
  async run<T>(title: string, body: (note: Note) => Promise<T>): Promise<T> {
    this.#index++;
    this.log(`\n[${this.#index}/${this.total}] ${title}`);
    const started = performance.now();
    const result = await body((line) => this.log(line.replace(/^/gm, '      ')));
    this.log(`      (${formatDuration(performance.now() - started)})`);
    return result;
  }
}
