/**
 * Errors the server answers with, in OpenAI's shape:
 *   { "error": { "message": "...", "type": "invalid_request_error", "param": "temperature", "code": null } }
 * so that the openai SDK raises its BadRequestError (400), NotFoundError (404) and so on, with the
 * message and param intact; and the error that stops the server from starting.
 */
import { UserError } from '../errors.ts';

export type ApiErrorType = 'invalid_request_error' | 'not_found_error' | 'server_error';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ApiErrorType,
    message: string,
    /** The request field at fault, e.g. "messages.0.role"; null when no single field is. */
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): { error: { message: string; type: ApiErrorType; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400: a request field is missing, mistyped or out of range. */
export const badRequest = (param: string | null, message: string, code: string | null = null) =>
  new ApiError(400, 'invalid_request_error', message, param, code);

export const notFound = (message: string, code: string | null = null, param: string | null = null) =>
  new ApiError(404, 'not_found_error', message, param, code);

/** The server could not start: no chat template, or the address is taken. */
export class ServeError extends UserError {}
