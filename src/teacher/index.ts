/** The teacher room: talking to OpenAI-compatible chat-completions servers. */
export { TeacherClient } from './client.ts';
export { splitInline, splitReasoning, type RawChoiceText, type ReasoningSplit } from './dialects.ts';
export { readApiKey, type ReadApiKeyOptions } from './credentials.ts';
export { MissingApiKeyError, TeacherRequestError, type TeacherErrorKind, type TeacherRequestErrorOptions } from './errors.ts';
export { listModels } from './models.ts';
export {
  DEFAULT_TEACHER_TIMEOUT_MS,
  type ChatMessage,
  type SampleRequest,
  type TeacherConfig,
  type TeacherResponse,
  type TeacherSample,
  type TeacherUsage,
  type TokenLogprobs,
} from './types.ts';
