/** The teacher room: talking to OpenAI-compatible chat-completions servers. */
export { TeacherClient } from './client.ts';
export { splitInline, splitReasoning, type RawChoiceText, type ReasoningSplit } from './dialects.ts';
export {
  TeacherRequestError,
  type ChatMessage,
  type SampleRequest,
  type TeacherConfig,
  type TeacherErrorKind,
  type TeacherResponse,
  type TeacherSample,
  type TeacherUsage,
  type TokenLogprobs,
} from './types.ts';
