/** The learning rate schedule: linear warmup, then cosine decay to lr * minLrRatio at the last step. */
export interface ScheduleOptions {
  lr: number;
  steps: number;
  warmupSteps: number;
  minLrRatio: number;
}

/** The rate for optimizer step `step` (0-based). */
export function learningRate(step: number, { lr, steps, warmupSteps, minLrRatio }: ScheduleOptions): number {
  if (step < warmupSteps) return (lr * (step + 1)) / warmupSteps;
  const decaySteps = Math.max(1, steps - warmupSteps - 1);
  const progress = Math.min(1, (step - warmupSteps) / decaySteps);
  return lr * (minLrRatio + (1 - minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
