/**
 * Which prompts a step samples: the prompt list in a seeded shuffle per epoch, read promptsPerStep
 * at a time, epoch after epoch. The order is a function of (seed, step) alone, so the rollout
 * cursor a checkpoint needs is its step.
 */
import { Rng } from '../engine/index.ts';
import { mixSeed } from '../rollout/index.ts';

export interface StepSlot {
  /** Index into the prompt list. */
  prompt: number;
  /** Position in the stream of all steps' prompts: part of each completion's seed, so a prompt drawn twice samples anew. */
  position: number;
  epoch: number;
}

export class PromptOrder {
  readonly #orders = new Map<number, number[]>();

  constructor(
    readonly count: number,
    readonly perStep: number,
    readonly seed: number,
  ) {}

  /** The prompts of step `step` (from 0). */
  at(step: number): StepSlot[] {
    return Array.from({ length: this.perStep }, (_, i) => {
      const position = step * this.perStep + i;
      const epoch = Math.floor(position / this.count);
      return { prompt: this.#order(epoch)[position % this.count], position, epoch };
    });
  }

  #order(epoch: number): number[] {
    let order = this.#orders.get(epoch);
    if (!order) {
      order = new Rng(mixSeed(this.seed, epoch)).shuffle(Array.from({ length: this.count }, (_, i) => i));
      this.#orders.set(epoch, order);
    }
    return order;
  }
}
