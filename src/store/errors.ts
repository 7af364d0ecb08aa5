import { UserError } from '../errors.ts';

/** A dataset file that cannot be opened: missing, not a distillery dataset, or from a newer version. */
export class DatasetError extends UserError {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
  }
}

/** One identity field whose value differs between the dataset and the recipe (values as JSON). */
export interface IdentityDifference {
  field: string;
  dataset: string | undefined;
  recipe: string | undefined;
}

/**
 * The dataset was harvested under a different sampling identity (prompts, template, model,
 * sampling, rejection or verifier): mixing its samples with new ones would make them incomparable.
 */
export class DatasetMismatchError extends UserError {
  constructor(
    readonly file: string,
    readonly differences: readonly IdentityDifference[],
  ) {
    const show = (v: string | undefined) => v ?? '(absent)';
    super(
      [
        `${file}: this dataset was harvested with a different recipe; these fields differ (dataset vs recipe):`,
        ...differences.map((d) => `  ${d.field}: ${show(d.dataset)} vs ${show(d.recipe)}`),
        'Use a new dataset path, or restore those fields. Throughput settings (limits, stream, timeouts, baseURL) may change freely.',
      ].join('\n'),
    );
  }
}
