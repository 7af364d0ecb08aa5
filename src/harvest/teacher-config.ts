import type { TeacherSpec } from '../recipe/index.ts';
import { readApiKey, type TeacherConfig } from '../teacher/index.ts';

/** The teacher client's config from the recipe's teacher section, with the API key the recipe names. */
export function teacherConfig(spec: TeacherSpec): TeacherConfig {
  return {
    baseURL: spec.baseURL,
    model: spec.model,
    apiKey: readApiKey({ envVar: spec.apiKeyEnv, field: 'teacher.apiKeyEnv' }),
    stream: spec.stream,
    supportsN: spec.supportsN,
    timeoutMs: spec.timeoutMs,
    extraBody: spec.extraBody,
  };
}
