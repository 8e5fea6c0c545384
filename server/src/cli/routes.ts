import { timingSafeEqual } from 'node:crypto';
import type { IRouter, Request } from 'express';
import { z } from 'zod';
import type { Deps } from '../deps';
import { bearerToken } from '../http/auth';
import { ApiError, errorBody, toApiError } from '../http/errors';
import { sendJson } from '../http/respond';
import { parse } from '../http/validate';
import { isCommandName, runCommand } from './commands';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const NDJSON = 'application/x-ndjson';
const commandRequest = z.object({ command: z.string(), options: z.record(z.string(), z.unknown()).default({}) });

/**
 * Behind a reverse proxy on the same host every request arrives from loopback, so a request a proxy
 * forwarded (it says so in its headers; the CLI never does) is not from this machine either.
 */
const fromThisMachine = (req: Request) =>
  LOOPBACK.has(req.socket.remoteAddress ?? '') && req.get('x-forwarded-for') === undefined && req.get('forwarded') === undefined;

export function operatorRoutes(app: IRouter, deps: Deps): void {
  // POST /api/operator/commands – run a CLI command inside this server (loopback and operator token only)
  app.post('/api/operator/commands', async (req, res) => {
    const token = Buffer.from(bearerToken(req) ?? '');
    const expected = Buffer.from(deps.secrets.operatorToken);
    if (!fromThisMachine(req) || token.length !== expected.length || !timingSafeEqual(token, expected)) {
      throw new ApiError('authentication_error', 'operator_token_invalid', 'Operator commands are accepted only from this machine with the operator token.');
    }
    const { command, options } = parse(commandRequest, req.body);
    if (!isCommandName(command)) throw ApiError.invalid('command_unknown', `Unknown command: ${command}`, 'command');
    if (req.get('accept') !== NDJSON) return sendJson(res, { result: await runCommand(deps, command, options) });
    // The CLI on a terminal asks for a stream: progress lines as the command goes, then `{result}` or `{error}`.
    res.writeHead(200, { 'Content-Type': NDJSON, 'Cache-Control': 'no-store' });
    const line = (value: object) => res.write(`${JSON.stringify(value)}\n`);
    try {
      line({ result: await runCommand(deps, command, options, (progress) => line({ progress })) });
      res.end();
    } catch (error) {
      res.end(`${JSON.stringify(errorBody(toApiError(error), req.id))}\n`);
      // The error middleware still logs it; the answer has gone.
      throw error;
    }
  });
}
