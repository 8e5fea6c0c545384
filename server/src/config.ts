import { isIP } from 'node:net';
import { z } from 'zod';

const optionalString = z
  .string()
  .trim()
  .transform((value) => value || undefined)
  .optional();

const prefixed = (prefix: string) =>
  optionalString.refine((value) => value === undefined || value.startsWith(prefix), {
    message: `must start with ${prefix}`,
  });

/** `creators@brand.com` or `Brand <creators@brand.com>`, as a From header takes it. */
const isMailbox = (value: string) => z.email().safeParse(/<([^<>]+)>$/.exec(value)?.[1] ?? value).success;

const NAMED_PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Express's `trust proxy` in every form it understands: true/false, a hop count, or addresses and subnets. */
function parseTrustProxy(value: string, ctx: z.RefinementCtx): boolean | number | string[] {
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const valid = NAMED_PROXY_RANGES.has(entry) || (isIP(address) !== 0 && (prefix === undefined || /^\d{1,3}$/.test(prefix)));
    if (!valid) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not true/false, a hop count, an IP address or subnet, loopback, linklocal or uniquelocal` });
      return z.NEVER;
    }
  }
  return entries;
}

export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().default('0.0.0.0'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    MONGODB_URI: prefixed('mongodb'),
    MONGODB_DB: z.string().min(1).optional(),
    DATA_DIR: z.string().default('./data'),
    SHOUTOUT_SECRET: optionalString.refine((value) => value === undefined || value.length >= 32, {
      message: 'must be at least 32 characters',
    }),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // Proxies in front of the service (load balancer, CDN) so client IPs and https are read right.
    TRUST_PROXY: z.string().default('loopback').transform(parseTrustProxy),
    // Platform key for a Stripe App / Connect deployment, or the brand's own key when one brand runs it.
    STRIPE_SECRET_KEY: prefixed('sk_'),
    STRIPE_TEST_SECRET_KEY: prefixed('sk_test_'),
    STRIPE_WEBHOOK_SECRET: prefixed('whsec_'),
    STRIPE_TEST_WEBHOOK_SECRET: prefixed('whsec_'),
    STRIPE_APP_SECRET: prefixed('absec_'),
    // Single-brand deployments: the org that events from the key's own account (no `event.account`) belong to.
    STRIPE_ORG_ID: prefixed('org_'),
    // Only for tests and the demo: send Stripe API calls to a local fake.
    STRIPE_API_BASE: z.url({ protocol: /^https?$/ }).optional(),
    // Requests per minute to the unauthenticated tracking routes (pixel clicks, heartbeats, code checks).
    TRACKING_RATE_LIMIT_PER_IP: z.coerce.number().int().min(1).default(120),
    TRACKING_RATE_LIMIT_PER_ORG: z.coerce.number().int().min(1).default(6000),
    // Lets webhook endpoints be on loopback, private or link-local addresses: self-hosted networks and tests.
    WEBHOOK_ALLOW_PRIVATE_URLS: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
    // How long an endpoint has to answer a delivery before it counts as failed.
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
    // The first retry's delay; each later one doubles it (up to 12 hours) for three days.
    WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(60_000),
    // Events and finished deliveries older than this are deleted; longer than the three days of retries, so nothing still tried goes.
    WEBHOOK_RETENTION_DAYS: z.coerce.number().int().min(4).max(365).default(30),
    // Creator emails (portal sign-in links, notices): without both, the portal says email is not set up.
    SMTP_URL: optionalString.pipe(z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional()),
    EMAIL_FROM: optionalString.refine((value) => value === undefined || isMailbox(value), {
      message: 'must be an address such as creators@brand.com or Brand <creators@brand.com>',
    }),
  })
  .superRefine((env, ctx) => {
    // Sign-in links in emails must point at this service's public address, never at a request's Host.
    if (env.SMTP_URL && !env.PUBLIC_URL) ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: 'is required with SMTP_URL: links in emails point to it' });
    if (Boolean(env.SMTP_URL) !== Boolean(env.EMAIL_FROM)) {
      ctx.addIssue({ code: 'custom', path: [env.SMTP_URL ? 'EMAIL_FROM' : 'SMTP_URL'], message: 'SMTP_URL and EMAIL_FROM go together' });
    }
  })
  .transform((env) => ({
    ...env,
    PUBLIC_URL: env.PUBLIC_URL?.replace(/\/+$/, ''),
  }));

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: { key: string; message: string }[]) {
    super(`Invalid configuration: ${issues.map((issue) => `${issue.key} (${issue.message})`).join(', ')}`);
  }
}

/** Parses the environment once; throws a ConfigError naming every bad key. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => ({ key: String(issue.path[0] ?? '(root)'), message: issue.message })),
  );
}
