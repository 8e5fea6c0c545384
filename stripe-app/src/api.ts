import type { ExtensionContextValue } from '@stripe/ui-extension-sdk/context';
import { fetchStripeSignature } from '@stripe/ui-extension-sdk/utils';
import { useMemo } from 'react';

/** Every backend call goes under this path: the manifest's `connect-src` allows exactly it. */
export const APP_API_PATH = '/api/app/';

/** What the backend said went wrong, in its own words (`{error: {message, code, param}}`). */
export class BackendError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

export const asBackendError = (error: unknown) =>
  error instanceof BackendError ? error : new BackendError(error instanceof Error ? error.message : String(error), 0);

type Query = Record<string, string | undefined>;
type Context = Pick<ExtensionContextValue, 'userContext' | 'environment'>;

/** The backend's base URL, from the manifest's `constants.API_BASE` (overridden for local development). */
export function apiBase(constants: unknown): string {
  const base = (constants as Record<string, unknown> | null | undefined)?.API_BASE;
  if (typeof base !== 'string' || !/^https?:\/\//.test(base)) {
    throw new BackendError('This app has no backend URL: set constants.API_BASE in stripe-app.json.', 0, 'app_misconfigured');
  }
  return base.replace(/\/+$/, '');
}

export interface Api {
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  del<T>(path: string): Promise<T>;
}

interface Identity {
  base: string;
  userId: string;
  accountId: string;
  mode: 'live' | 'test';
}

/**
 * Signed calls to the Shoutout backend. The Dashboard signs `{user_id, account_id}` and, for each
 * request, its mode, method and path, so a signature works for that one request only (the server
 * checks all five). The identity travels in the query string with the mode, so GETs and writes
 * authenticate the same way and bodies carry only the operation's own fields.
 */
export function createApi({ base, userId, accountId, mode }: Identity): Api {
  async function request<T>(method: string, path: string, query: Query = {}, body?: unknown): Promise<T> {
    const params = new URLSearchParams({ user_id: userId, account_id: accountId, mode });
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value);
    const url = `${base}${APP_API_PATH}${path}?${params.toString()}`;
    const signature = await fetchStripeSignature({ mode, method, path: `${APP_API_PATH}${path}` });
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { 'Stripe-Signature': signature, ...(body !== undefined && { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new BackendError(`Could not reach Shoutout at ${base}.`, 0, 'network_error');
    }
    const payload = await response.json().catch(() => null);
    if (!response.ok) {
      const error = payload?.error ?? {};
      throw new BackendError(error.message ?? `Shoutout answered with HTTP ${response.status}.`, response.status, error.code, error.param);
    }
    return payload as T;
  }

  return {
    get: (path, query) => request('GET', path, query),
    post: (path, body) => request('POST', path, {}, body),
    patch: (path, body) => request('PATCH', path, {}, body),
    del: (path) => request('DELETE', path),
  };
}

/** One client per backend, account, user and mode, however often the Dashboard re-renders the view. */
export function useApi({ userContext, environment }: Context): { api: Api | null; base: string | null; error: BackendError | null } {
  const userId = userContext.id ?? '';
  const accountId = userContext.account.id;
  const { mode, constants } = environment;
  const rawBase = (constants as Record<string, unknown> | null | undefined)?.API_BASE;
  return useMemo(() => {
    try {
      const base = apiBase({ API_BASE: rawBase });
      return { api: createApi({ base, userId, accountId, mode }), base, error: null };
    } catch (error) {
      return { api: null, base: null, error: asBackendError(error) };
    }
  }, [rawBase, userId, accountId, mode]);
}
