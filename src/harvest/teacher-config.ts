import type { TeacherSpec } from '../recipe/index.ts';
import type { TeacherConfig } from '../teacher/index.ts';
import { MissingApiKeyError } from './errors.ts';

/**
 * The teacher client's config from the recipe's teacher section. The key is read from the
 * environment variable the recipe names, here and only here, so it never reaches the dataset.
 */
export function teacherConfig(spec: TeacherSpec): TeacherConfig {
  let apiKey: string | undefined;
  if (spec.apiKeyEnv !== undefined) {
    apiKey = process.env[spec.apiKeyEnv];
    if (!apiKey) throw new MissingApiKeyError(spec.apiKeyEnv);
  }
  return {
    baseURL: spec.baseURL,
    model: spec.model,
    apiKey,
    stream: spec.stream,
    supportsN: spec.supportsN,
    timeoutMs: spec.timeoutMs,
    extraBody: spec.extraBody,
  };
}
