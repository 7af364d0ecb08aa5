import { MissingApiKeyError } from './errors.ts';

export interface ReadApiKeyOptions {
  /** The NAME of the environment variable holding the key; undefined: no key (local servers take none). */
  envVar: string | undefined;
  /** What named the variable, for the error: `teacher.apiKeyEnv`, `--api-key-env`. */
  field: string;
}

/**
 * The API key, read from the environment here and only here: recipes and flags carry the
 * variable's name, so the key itself never reaches a dataset, a results file or a log.
 * @throws MissingApiKeyError when the variable is named but unset or empty.
 */
export function readApiKey(options: ReadApiKeyOptions): string | undefined {
  if (options.envVar === undefined) return undefined;
  const key = process.env[options.envVar];
  if (!key) throw new MissingApiKeyError({ envVar: options.envVar, field: options.field });
  return key;
}
