import path from 'node:path';
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config';
import { Secrets } from '../crypto';
import { ApiError } from '../http/errors';
import { createLogger } from '../logger';
import { resolveSecret } from '../secret';
import { createDeps, SERVER_FILE } from '../server';
import { isProcessAlive, readJsonFile } from '../store/lock';
import { type CommandName, humanOutputOf, runCommand } from './commands';

interface Failure {
  error: { code?: string; message: string; param?: string };
}

/** Runs in the server that owns the embedded data dir when one is up, otherwise in this process. */
async function execute(name: CommandName, options: Record<string, unknown>, json: boolean): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('warn', process.stderr);
  const running = config.MONGODB_URI ? null : await readJsonFile<{ pid: number; url: string }>(path.resolve(config.DATA_DIR, SERVER_FILE));
  let result: unknown;
  if (running && isProcessAlive(running.pid)) {
    const secrets = new Secrets(await resolveSecret(config.SHOUTOUT_SECRET, config.DATA_DIR, logger));
    const response = await fetch(`${running.url}/api/operator/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secrets.operatorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ command: name, options }),
    });
    const body = (await response.json()) as { result: unknown } | Failure;
    if ('error' in body) return fail(body, json);
    result = body.result;
  } else {
    const deps = await createDeps(config, { logger });
    try {
      result = await runCommand(deps, name, options);
    } catch (error) {
      if (error instanceof ApiError) return fail({ error: { code: error.code, message: error.message, param: error.param } }, json);
      throw error;
    } finally {
      await deps.store.close();
    }
  }
  const human = humanOutputOf(name);
  if (json) {
    console.log(JSON.stringify(result, null, 2));
  } else if (human) {
    process.stdout.write(human(result));
  } else {
    console.log(formatHuman(result));
    const note = noteOn(result);
    if (note) console.error(note);
  }
}

/** What the human output, which leaves empty fields out, must still point out. */
function noteOn(result: unknown): string | undefined {
  const promoCode = result as { object?: unknown; code?: string; livemode?: boolean; stripe_promotion_code_id?: unknown } | null;
  if (promoCode?.object !== 'promo_code' || promoCode.stripe_promotion_code_id !== null) return undefined;
  const key = promoCode.livemode ? 'STRIPE_SECRET_KEY' : 'STRIPE_TEST_SECRET_KEY';
  return `note: ${promoCode.code} is not on Stripe (there was no Stripe key for its mode), so checkout cannot apply it. Set ${key} and run \`code activate\` to create it there.`;
}

function fail(failure: Failure, json: boolean): void {
  const { message, param } = failure.error;
  console.error(json ? JSON.stringify(failure) : `error: ${message}${param ? ` (${param})` : ''}`);
  process.exitCode = 1;
}

function formatHuman(value: unknown, indent = ''): string {
  if (Array.isArray(value)) return value.map((item) => formatHuman(item, indent)).join(`\n${indent}--\n`) || `${indent}(none)`;
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .filter(([, field]) => field !== null && field !== undefined)
      .map(([key, field]) => (field && typeof field === 'object' && !Array.isArray(field) ? `${indent}${key}:\n${formatHuman(field, `${indent}  `)}` : `${indent}${key}: ${Array.isArray(field) ? field.join(', ') : String(field)}`))
      .join('\n');
  }
  return `${indent}${String(value)}`;
}

const program = new Command('shoutout')
  .description('Operate a Shoutout service: orgs, API keys, creators, campaigns, codes, conversion sheets, creator payouts, Stripe App grants and Stripe sync.')
  .option('--json', 'print machine-readable JSON');

function define(name: CommandName, description: string, configure: (command: Command) => Command) {
  const [group, action] = name.split(' ');
  const parent = action ? (program.commands.find((existing) => existing.name() === group) ?? program.command(group)) : program;
  const command = configure(parent.command(action ?? group).description(description));
  command.action(async (options: Record<string, unknown>) => execute(name, options, Boolean(program.opts().json)));
}

const inOrg = (command: Command) => command.requiredOption('--org <id>', 'org id (org_…)').option('--test', 'test mode instead of live');

define('init', 'create an org and an API key with every scope', (c) =>
  c.requiredOption('--name <name>', 'brand name').option('--domain <domain...>', 'site domain(s) the pixel runs on').option('--test', 'make a test-mode key'),
);
define('key create', 'create an API key (shown once)', (c) =>
  inOrg(c).option('--name <name>', 'a label').option('--scope <scope...>', 'referrals, tracking and/or admin'),
);
define('key list', 'list API keys', inOrg);
define('key revoke', 'revoke an API key', (c) => inOrg(c).requiredOption('--id <id>', 'key id (key_…)'));
define('creator create', 'add a creator', (c) =>
  inOrg(c)
    .requiredOption('--handle <handle>')
    .option('--name <name>')
    .option('--avatar-url <url>')
    .option('--email <email>', 'flags purchases with this email as self-referrals')
    .option('--stripe-customer <cus_id>', "the creator's own Stripe customer: flags their purchases as self-referrals"),
);
define('campaign create', 'create a campaign', (c) =>
  inOrg(c)
    .requiredOption('--title <title>')
    .option('--percent-off <percent>', 'discount in percent')
    .option('--amount-off <cents>', 'discount in minor units (needs --currency)')
    .option('--currency <code>')
    .option('--duration <once|repeating|forever>')
    .option('--duration-in-months <months>')
    .option('--commission-percent <percent>', 'commission: percent of net revenue')
    .option('--commission-fixed <cents>', 'commission: fixed amount per conversion')
    .option('--recurring-months <months>', 'months of subscription renewals that earn commission'),
);
define('code create', 'give a creator a promo code in a campaign', (c) =>
  inOrg(c).requiredOption('--code <code>').requiredOption('--creator <id|handle>').requiredOption('--campaign <id>'),
);
define('code deactivate', 'deactivate a promo code', (c) => inOrg(c).requiredOption('--code <code|id>'));
define('code activate', 'reactivate a promo code', (c) => inOrg(c).requiredOption('--code <code|id>'));
define('conversions export', 'print conversions as CSV (--json: as JSON), newest first, to pay creators', (c) =>
  inOrg(c)
    .option('--from <date>', 'created at or after, e.g. 2026-11-01 (UTC)')
    .option('--to <date>', 'created before; a plain date includes that day')
    .option('--creator <id|handle>')
    .option('--campaign <id>')
    .option('--status <status>', 'credited, partially_refunded, refunded or flagged (self-referrals)')
    .option('--commission-currency <code>', 'only commission counted in this currency, as a payout in it pays'),
);
define('payouts balances', 'what each creator is due, pending and paid, per currency (most due first)', (c) =>
  inOrg(c).option('--creator <id|handle>').option('--currency <code>'),
);
define('payouts create', 'record that a creator was paid everything due in one currency', (c) =>
  inOrg(c)
    .requiredOption('--creator <id|handle>')
    .requiredOption('--currency <code>')
    .option('--amount <cents>', 'what you paid, in minor units: refused unless it is still what is due')
    .option('--due-through <unix>', 'the balance\'s due_through: commission matured after it waits for the next payout')
    .option('--reference <text>', 'your bank or PayPal transaction id'),
);
const inAppOrg = (command: Command) => command.requiredOption('--org <id>', 'org id (org_…)');
define('app grant', 'let a Stripe Dashboard user change things through the Stripe App (reading needs no grant)', (c) =>
  inAppOrg(c).requiredOption('--user <id>', 'the Dashboard user (usr_…), as named in their "app_user_not_granted" message'),
);
define('app revoke', "take a Dashboard user's grant back", (c) => inAppOrg(c).requiredOption('--user <id>', 'the Dashboard user (usr_…)'));
define('app grants', 'list the Dashboard users granted for an org, revoked ones included', inAppOrg);
define('stripe sync', 'replay Stripe events missed since a date through the webhook handlers (idempotent)', (c) =>
  c.requiredOption('--since <date>', 'e.g. 2026-11-01').option('--org <id>', 'only this org (default: every installed org)'),
);

program.parseAsync().catch((error) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
