import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ExtensionContextValue, RoleDefinition } from '@stripe/ui-extension-sdk/context';
import { getMockContextProps } from '@stripe/ui-extension-sdk/testing';
import { fetchStripeSignature } from '@stripe/ui-extension-sdk/utils';
import { allows, type Manifest } from '../scripts/manifest';
import { SIGNATURE } from './signature';

export const manifest = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', '..', 'stripe-app.json'), 'utf8')) as Manifest;
export { SIGNATURE };

export interface Call {
  method: string;
  url: URL;
  /** The route under /api/app/, e.g. `GET overview`. */
  route: string;
  headers: Record<string, string>;
  body: unknown;
}

type Reply = { status?: number; body: unknown } | 'hang' | 'network-error';
type Handler = (call: Call) => Reply | Promise<Reply>;

/**
 * Stands in for the Shoutout backend behind `fetch`: answers per route (`'GET overview'`), records
 * every call, and can hang (loading state), fail (network error) or answer when a test lets it.
 */
export function fakeBackend(routes: Record<string, Reply | Handler>) {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: string | URL, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const method = init.method ?? 'GET';
    const route = `${method} ${url.pathname.replace(/^\/api\/app\//, '')}`;
    const call: Call = {
      method,
      url,
      route,
      headers: Object.fromEntries(Object.entries(init.headers ?? {})),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    const handler = routes[route];
    const reply = typeof handler === 'function' ? await handler(call) : (handler ?? { status: 404, body: { error: { message: `No route ${route}` } } });
    if (reply === 'hang') return new Promise<Response>(() => undefined);
    if (reply === 'network-error') throw new TypeError('Failed to fetch');
    return new Response(JSON.stringify(reply.body), { status: reply.status ?? 200, headers: { 'content-type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fetchMock);
  return { calls, routes };
}

/** A backend error exactly as server/src/http/errors.ts writes it. */
export const backendError = (status: number, message: string, param?: string) => ({
  status,
  body: { error: { type: 'invalid_request_error', code: 'test_error', message, ...(param && { param }), request_id: 'req_test' } },
});

export function viewContext(
  viewportID: string,
  options: { mode?: 'live' | 'test'; object?: { id: string; object: string }; apiBase?: string; locale?: string; roles?: RoleDefinition[] } = {},
): ExtensionContextValue {
  return getMockContextProps({
    userContext: {
      id: 'usr_view',
      account: { id: 'acct_view' },
      ...(options.locale && { locale: options.locale }),
      ...(options.roles && { roles: options.roles }),
    },
    environment: {
      viewportID,
      mode: options.mode ?? 'live',
      objectContext: options.object ?? null,
      constants: { API_BASE: options.apiBase ?? manifest.constants?.API_BASE },
    },
  } as Parameters<typeof getMockContextProps>[0]);
}

/**
 * Every request carried the signature and the identity it signs, went where connect-src allows, and
 * had the Dashboard sign its own mode, method and path (what the server checks the signature against).
 */
export function expectSignedAndAllowed(calls: Call[], mode: 'live' | 'test' = 'live') {
  expect(calls.length).toBeGreaterThan(0);
  const signed = vi.mocked(fetchStripeSignature).mock.calls.map(([payload]) => JSON.stringify(payload));
  expect(signed.sort()).toEqual(calls.map((call) => JSON.stringify({ mode, method: call.method, path: call.url.pathname })).sort());
  const connectSrc = manifest.ui_extension.content_security_policy['connect-src'] ?? [];
  for (const call of calls) {
    expect(call.headers['Stripe-Signature']).toBe(SIGNATURE);
    expect(Object.fromEntries(['user_id', 'account_id', 'mode'].map((key) => [key, call.url.searchParams.get(key)]))).toEqual({
      user_id: 'usr_view',
      account_id: 'acct_view',
      mode,
    });
    expect(connectSrc.some((entry) => allows(entry, call.url.toString())), `${call.url} is outside connect-src ${connectSrc.join(' ')}`).toBe(true);
  }
}

/** Lets pending fetches (each sent after an awaited signature) and the state updates after them settle, however loaded the machine. */
export async function settle(update: () => Promise<void>, rounds = 3) {
  for (let round = 0; round < rounds; round += 1) await update();
}

interface RemoteNode {
  type?: string;
  text?: string;
  props?: Record<string, unknown>;
  children?: RemoteNode[];
}
/** The text inside a fragment prop (an element passed as `value`, `actions`…). */
export const textOf = (node: RemoteNode): string => node.text ?? (node.children ?? []).map(textOf).join('');

/**
 * Presses a Button passed as an element prop (`actions`, `primaryAction`): remote-ui hands those to
 * the host as fragments, which `wrapper.find` does not descend into.
 */
export function pressInFragment(wrapper: { act<T>(action: () => T): T }, fragment: unknown, label: string) {
  const search = (nodes: RemoteNode[]): RemoteNode | undefined => {
    for (const node of nodes) {
      if (node.type === 'Button' && textOf(node) === label) return node;
      const found = search(node.children ?? []);
      if (found) return found;
    }
    return undefined;
  };
  const button = search((fragment as RemoteNode | undefined)?.children ?? []);
  if (!button) throw new Error(`no Button "${label}" in that prop`);
  return wrapper.act(() => (button.props?.onPress as () => unknown)());
}
