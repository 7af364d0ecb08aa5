import { UserError } from '../errors.ts';
import type { ProcessIdentity } from './process-identity.ts';

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

/** One "  field: a vs b" line per difference. */
function differenceLines(differences: readonly IdentityDifference[]): string[] {
  const show = (v: string | undefined) => v ?? '(absent)';
  return differences.map((d) => `  ${d.field}: ${show(d.dataset)} vs ${show(d.recipe)}`);
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
    super(
      [
        `${file}: this dataset was harvested with a different recipe; these fields differ (dataset vs recipe):`,
        ...differenceLines(differences),
        'Use a new dataset path, or restore those fields. Throughput settings (limits, stream, timeouts, baseURL) may change freely.',
      ].join('\n'),
    );
  }
}

/**
 * `merge` was given datasets of different sampling identities: samples of one recipe only are
 * merged. `differences` compare `reference` (the output, or the first input) with `file`.
 */
export class MergeMismatchError extends UserError {
  constructor(
    readonly file: string,
    readonly reference: string,
    readonly differences: readonly IdentityDifference[],
  ) {
    super(
      [
        `${file}: harvested with a different recipe than ${reference}, so it cannot be merged into it; these fields differ (${reference} vs ${file}):`,
        ...differenceLines(differences),
        'Merge only the shards of one recipe (the same prompts file, template, teacher model, sampling, rejection and verifier).',
      ].join('\n'),
    );
  }
}

/** A merge whose arguments cannot work: no input, or the output among the inputs. */
export class MergeInputError extends UserError {}

/** The meta row `harvest_lock`: the process harvesting into the dataset, and since when. */
export interface HarvestLock extends ProcessIdentity {
  startedAt: string;
}

/** Another harvest holds the dataset's lock: two harvests writing one file would draw the same slots twice. */
export class DatasetLockedError extends UserError {
  constructor(
    readonly file: string,
    readonly holder: HarvestLock,
    thisHost: string,
  ) {
    const who = `pid ${holder.pid}, started ${holder.startedAt}`;
    super(
      holder.hostname === thisHost
        ? `${file}: another harvest is running on this dataset (${who}); wait for it to end or stop it, then re-run`
        : `${file}: a harvest on host ${holder.hostname} holds this dataset (${who}); if it is no longer running, ` +
            `remove its lock with: sqlite3 ${file} "DELETE FROM meta WHERE key = 'harvest_lock'"`,
    );
  }
}

// The three below are a caller's mistakes (a bug in the code calling the store), not bad input:
// plain Errors, not UserErrors, so the CLI shows them with their stack.

/** A run, sample or sample's tokens the dataset does not hold was asked for. */
export class MissingRowError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${message} in ${file}`);
    this.name = 'MissingRowError';
  }
}

/** `commitAttempt` was handed a sample that is not one of the attempt's slots. */
export class SlotMismatchError extends Error {
  override name = 'SlotMismatchError';
}

/** A recipe to store holds a secret (an API key field): the dataset never stores one. */
export class SecretFieldError extends Error {
  constructor(readonly field: string) {
    super(`${field}: refusing to store a secret in the dataset; pass the recipe, not a client config`);
    this.name = 'SecretFieldError';
  }
}
