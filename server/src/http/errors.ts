import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { levelFor, requestLogLine } from '../logger';
import { z } from 'zod';
import { sendJson } from './respond';

const ERROR_TYPES = ['invalid_request_error', 'authentication_error', 'permission_error', 'rate_limit_error', 'api_error'] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

const statusByType: Record<ErrorType, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  rate_limit_error: 429,
  api_error: 500,
};

/** The one error the service raises on purpose. Its wire shape follows Stripe's. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly type: ErrorType,
    readonly code: string,
    message: string,
    options: { param?: string; status?: number } = {},
  ) {
    super(message);
    this.param = options.param;
    this.status = options.status ?? statusByType[type];
  }
  readonly param?: string;

  static invalid(code: string, message: string, param?: string, status = 400) {
    return new ApiError('invalid_request_error', code, message, { param, status });
  }
  static notFound(what: string, param?: string) {
    return new ApiError('invalid_request_error', 'resource_missing', `No such ${what}`, { param, status: 404 });
  }
  static conflict(code: string, message: string, param?: string) {
    return new ApiError('invalid_request_error', code, message, { param, status: 409 });
  }
  /** `input` is what was parsed, so that an absent field reads as missing rather than invalid. */
  static fromZod(error: z.ZodError, input?: unknown) {
    const issue = error.issues[0];
    if (issue.code === 'unrecognized_keys') {
      const param = [...issue.path.map(String), issue.keys[0]].join('.');
      return ApiError.invalid('parameter_unknown', `Received unknown parameter: ${param}.`, param);
    }
    const path = issue.path.map(String).join('.');
    const value = issue.path.reduce<unknown>((node, key) => (node as Record<PropertyKey, unknown> | undefined)?.[key], input);
    const missing = issue.code === 'invalid_type' && value === undefined;
    return ApiError.invalid(
      missing ? 'parameter_missing' : 'parameter_invalid',
      missing ? `Missing required param: ${path}.` : `Invalid ${path || 'body'}: ${issue.message}`,
      path || undefined,
    );
  }
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ApiError('invalid_request_error', 'route_not_found', `Unrecognized request URL (${req.method} ${req.path}).`, { status: 404 }));
};

/** Maps every thrown value to `{error: {type, code, message, param?, request_id}}`. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const error = toApiError(err);
    // At `info` the request logger writes every request's line; below it, failures are logged
    // here. Unexpected errors always carry their stack.
    if (error.status >= 500 || !logger.isLevelEnabled('info')) {
      const line = { ...requestLogLine(req, error.status), code: error.code, ...(error.status >= 500 && { err }) };
      logger[levelFor(error.status)](line, 'request failed');
    }
    if (res.headersSent) return;
    sendJson(res, errorBody(error, req.id), error.status);
  };
}

/** `{error: {type, code, message, param?, request_id}}`, the one error shape; every route's default response in the OpenAPI document. */
export const errorResponseSchema = z
  .object({
    error: z.object({
      type: z.enum(ERROR_TYPES),
      code: z.string().describe('Stable, machine-readable reason, e.g. parameter_missing, api_key_scope_missing'),
      message: z.string().describe('For people; may change'),
      param: z.string().optional().describe('The request field at fault, when there is one'),
      request_id: z.string(),
    }),
  })
  .meta({ id: 'Error' });

/** The wire shape of an error; a response already under way (a stream) ends with it as its last line. */
export const errorBody = (error: ApiError, requestId: string): z.infer<typeof errorResponseSchema> => ({
  error: {
    type: error.type,
    code: error.code,
    message: error.message,
    ...(error.param ? { param: error.param } : {}),
    request_id: requestId,
  },
});

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof z.ZodError) return ApiError.fromZod(err);
  // body-parser and friends raise http-errors with `status` and `type`.
  const httpError = err as { status?: number; type?: string; message?: string };
  if (httpError?.status === 413) {
    return ApiError.invalid('body_too_large', 'Request body is too large.', undefined, 413);
  }
  if (httpError?.type === 'entity.parse.failed') {
    return ApiError.invalid('body_invalid_json', 'Request body is not valid JSON.');
  }
  if (httpError?.status && httpError.status >= 400 && httpError.status < 500) {
    return ApiError.invalid('request_invalid', httpError.message ?? 'Bad request', undefined, httpError.status);
  }
  return new ApiError('api_error', 'internal_error', 'Something went wrong on our side. It was logged.');
}
