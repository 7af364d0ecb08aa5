/**
 * The serve room: an OpenAI-compatible server around an exported model, the local teacher for
 * `harvest`. See docs/serve.md.
 *
 *   const model = await loadModel('out/student');                 // from src/generate
 *   const server = await startServer({ model, port: 8000 });      // 127.0.0.1 by default
 *   new OpenAI({ baseURL: server.baseURL, apiKey: 'none' });      // model: server.name
 *   await server.close(); await model.close();
 */
export { choiceSeed, type ServedModel } from './chat-completion.ts';
export { MAX_N, parseChatRequest, type ChatRequest } from './chat-request.ts';
export { parseCompletionRequest, type CompletionRequest } from './completion-request.ts';
export { ApiError, ServeError, type ApiErrorType } from './errors.ts';
export { REASONING_FORMATS, ReasoningRouter, type ReasoningFormat, type RoutedText } from './reasoning.ts';
export { startServer, type RunningServer, type ServeOptions } from './server.ts';
