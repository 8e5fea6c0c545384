import type { Request, RequestHandler } from 'express';
import { pino, type Level, type Logger } from 'pino';
import { newId } from './crypto';

declare module 'express-serve-static-core' {
  interface Request {
    /** `req_…`, or the caller's own `X-Request-Id`; echoed as `Request-Id` and in every error body. */
    id: string;
    /** Fields that routes learn on the way (org, Stripe event) and that the request's log line carries. */
    logFields?: Record<string, unknown>;
  }
}

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, base: undefined }, destination as pino.DestinationStream | undefined);
}

const REQUEST_ID = /^[A-Za-z0-9_-]{8,64}$/;
// Query values that identify a person or grant access never reach the logs (GET
// /api/customers?externalId=…, a download link's token), however the name is written: Express
// decodes `extern%61lId` to the same parameter, and a bracketed form (`externalId[]=…`,
// `externalId[0]=…`) still carries the value.
const SENSITIVE_PARAMS = new Set(['externalid', 'external_id', 'email', 'token', 'customer_id']);
const QUERY_PARAM = /([?&])([^=&#]*)=([^&#]*)/g;

function decodedName(name: string): string {
  let decoded = name.replaceAll('+', ' ');
  try {
    decoded = decodeURIComponent(decoded);
  } catch {
    // Not valid percent-encoding: judged as written.
  }
  return decoded.replace(/\[.*$/, '').toLowerCase();
}

function redactUrl(url: string): string {
  if (!url.includes('?')) return url;
  return url.replace(QUERY_PARAM, (param, separator: string, name: string) =>
    SENSITIVE_PARAMS.has(decodedName(name)) ? `${separator}${name}=[redacted]` : param,
  );
}

export const levelFor = (status: number): Level => (status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info');

/** What every line about a request carries, whether it completed (here) or failed (the error handler). */
export function requestLogLine(req: Request, statusCode: number) {
  return { req: { id: req.id, method: req.method, url: redactUrl(req.originalUrl) }, res: { statusCode }, ...req.logFields };
}

/**
 * A request id on every request and, at `info`, one log line when it completes. Deliberately no
 * per-request child logger: building one costs more than many of the routes themselves. Headers
 * are never logged (keys, cookies, signatures).
 */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    req.id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : newId('req');
    res.setHeader('Request-Id', req.id);
    // Below `info` only failures are logged, and the error handler does that where they happen.
    if (!logger.isLevelEnabled('info') || req.path === '/healthz') return next();
    const started = performance.now();
    res.once('finish', () => {
      const responseTime = Math.round(performance.now() - started);
      logger[levelFor(res.statusCode)]({ ...requestLogLine(req, res.statusCode), responseTime }, 'request completed');
    });
    next();
  };
}

/** Adds fields to the request's log line. */
export function logWith(req: { logFields?: Record<string, unknown> }, fields: Record<string, unknown>): void {
  req.logFields = Object.assign(req.logFields ?? {}, fields);
}
