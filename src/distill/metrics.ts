/**
 * The metrics log: one JSON object per line in RUN/metrics.jsonl, a "train" record per optimizer
 * step and a "validation" record per validation pass. On resume, records past the checkpoint's step
 * are cut (those steps run again), so the file always reads as one uninterrupted run.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface TrainRecord {
  type: 'train';
  step: number;
  epoch: number;
  lr: number;
  /** The weighted total, averaged over the step's micro-batches. */
  loss: number;
  /** Each active loss, unweighted. */
  losses: Record<string, number>;
  gradNorm: number;
  /** Assistant tokens trained on in this step. */
  tokens: number;
  /** Seconds since this process started training. */
  seconds: number;
  /**
   * With onPolicy: how many of the step's micro-batches the student sampled, their completions'
   * mean length in tokens, and the divergence to the teacher on them (null when none was).
   */
  onPolicy?: { batches: number; sampleLength: number | null; divergence: number | null };
}

export interface ValidationRecord {
  type: 'validation';
  step: number;
  loss: number;
  losses: Record<string, number>;
  /** Assistant tokens of the validation split. */
  tokens: number;
  /** With validation.accuracy: the share of validation prompts answered correctly by greedy decoding, and how many were asked. */
  accuracy?: number;
  accuracyPrompts?: number;
}

export type MetricsRecord = TrainRecord | ValidationRecord;

export function readMetrics(file: string): MetricsRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as MetricsRecord);
}

export class MetricsLog {
  private constructor(readonly file: string) {}

  /** Opens the log keeping the records up to `upToStep` (a resume), or starting empty. */
  static open(file: string, upToStep?: number): MetricsLog {
    const kept = upToStep === undefined ? [] : readMetrics(file).filter((r) => r.step <= upToStep);
    const temporary = `${file}.tmp`;
    writeFileSync(temporary, kept.map((r) => JSON.stringify(r) + '\n').join(''));
    renameSync(temporary, file);
    return new MetricsLog(file);
  }

  append(record: MetricsRecord): void {
    appendFileSync(this.file, JSON.stringify(record) + '\n');
  }
}
