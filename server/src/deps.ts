import type { Logger } from 'pino';
import type { Config } from './config';
import type { Secrets } from './crypto';
import type { Mailer } from './email/mailer';
import type { Store } from './store';
import type { StripeClients } from './stripe/client';
import type { WebhookRuntime } from './webhooks/runtime';

/** What services need from the running process; built once in `server.ts`, never from a request. */
export interface Deps {
  config: Config;
  store: Store;
  secrets: Secrets;
  logger: Logger;
  /** Stripe clients per org and mode (Connect-aware); null ones mean no key for that mode. */
  stripe: StripeClients;
  /** Creator emails over SMTP; `configured` is false without SMTP_URL and EMAIL_FROM. */
  mailer: Mailer;
  /** Injected so tests and the demo can move time; defaults to the wall clock. */
  now: () => Date;
  /** Relays and sends webhook events in a server's background; a write that marked an event wakes it. */
  webhooks: WebhookRuntime;
}
