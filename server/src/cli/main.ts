import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { Presets, SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config';
import { Secrets } from '../crypto';
import { ApiError } from '../http/errors';
import { createLogger } from '../logger';
import { resolveSecret } from '../secret';
import { createDeps, SERVER_FILE } from '../server';
import { isProcessAlive, readJsonFile } from '../running';
import type { UploadOutcome } from '../coupon-banks/schemas';
import { parseCreatorsCsv, parseSheet } from '../creator-import/csv';
import type { SheetRow } from '../creator-import/schemas';
import type { importCreators } from '../creator-import/service';
import { INVITATION_LINK_HOURS } from '../portal/service';
import { type CommandName, humanOutputOf, runCommand } from './commands';

interface Failure {
  error: { code?: string; message: string; param?: string };
}

type Sent = { result: unknown } | Failure;
type Progress = (message: string) => void;
type Send = (name: CommandName, options: Record<string, unknown>, progress?: Progress) => Promise<Sent>;

const NDJSON = 'application/x-ndjson';

/** On a terminal, a long command's progress rewrites one line of stderr; in logs and pipes it is left out. */
function terminalProgress() {
  let shown = false;
  return {
    report: process.stderr.isTTY
      ? (message: string) => {
          shown = true;
          process.stderr.write(`\r\x1b[K${message}`);
        }
      : undefined,
    done: () => shown && process.stderr.write('\n'),
  };
}

/**
 * Gives `work` a way to run commands: inside the server that owns the embedded data dir when one is
 * up, otherwise in this process (opening the store once for all of them).
 */
async function withCommands<T>(work: (send: Send) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const logger = createLogger('warn', process.stderr);
  const running = config.MONGODB_URI ? null : await readJsonFile<{ pid: number; url: string }>(path.resolve(config.DATA_DIR, SERVER_FILE));
  if (running && isProcessAlive(running.pid)) {
    const secrets = new Secrets(await resolveSecret(config.SHOUTOUT_SECRET, config.DATA_DIR, logger));
    return work(async (name, options, progress) => {
      const response = await fetch(`${running.url}/api/operator/commands`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${secrets.operatorToken}`,
          'content-type': 'application/json',
          ...(progress && { accept: NDJSON }),
        },
        body: JSON.stringify({ command: name, options }),
      });
      if (!response.headers.get('content-type')?.startsWith(NDJSON) || !response.body) return (await response.json()) as Sent;
      let sent: Sent | undefined;
      for await (const line of createInterface({ input: Readable.fromWeb(response.body as ReadableStream) })) {
        const message = JSON.parse(line) as { progress: string } | Sent;
        if ('progress' in message) progress?.(message.progress);
        else sent = message;
      }
      if (!sent) throw new Error('The server stopped answering before the command finished.');
      return sent;
    });
  }
  const deps = await createDeps(config, { logger });
  try {
    return await work(async (name, options, progress) => {
      try {
        return { result: await runCommand(deps, name, options, progress) };
      } catch (error) {
        if (error instanceof ApiError) return { error: { code: error.code, message: error.message, param: error.param } };
        throw error;
      }
    });
  } finally {
    await deps.store.close();
  }
}

async function execute(name: CommandName, options: Record<string, unknown>, json: boolean): Promise<void> {
  const progress = terminalProgress();
  const sent = await withCommands((send) => send(name, options, progress.report)).finally(progress.done);
  if ('error' in sent) return fail(sent, json);
  const { result } = sent;
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

/**
 * Sends a sheet's rows a slice at a time, with a progress bar when a person is watching, and
 * gathers what each row did. Each slice is its own request: an interrupted run is finished by
 * running it again, which leaves the rows already done as they are.
 */
async function inSlices<T, R>(
  items: T[],
  size: number,
  json: boolean,
  sendSlice: (slice: T[]) => Promise<Sent>,
): Promise<{ results: R[] } | Failure> {
  const bar = process.stderr.isTTY && !json ? new SingleBar({ stream: process.stderr, format: '{bar} {value}/{total}' }, Presets.shades_classic) : null;
  bar?.start(items.length, 0);
  const results: R[] = [];
  try {
    for (let start = 0; start < items.length; start += size) {
      const slice = items.slice(start, start + size);
      const sent = await sendSlice(slice);
      if ('error' in sent) return sent;
      results.push(sent.result as R);
      bar?.increment(slice.length);
    }
  } finally {
    bar?.stop();
  }
  return { results };
}

async function readSheet<T>(file: string, json: boolean, read: (text: string) => T): Promise<T | null> {
  try {
    return read(await readFile(file, 'utf8'));
  } catch (error) {
    if (error instanceof ApiError) fail({ error: { code: error.code, message: error.message, param: error.param } }, json);
    else fail({ error: { message: error instanceof Error ? error.message : String(error) } }, json);
    return null;
  }
}

type ImportResult = Awaited<ReturnType<typeof importCreators>>;

async function importCreatorsSheet(file: string, options: { org: string; test?: boolean; campaign?: string; dryRun?: boolean }, json: boolean) {
  const rows = await readSheet(file, json, parseCreatorsCsv);
  if (!rows) return;
  const dryRun = Boolean(options.dryRun);
  const sent = await withCommands((send) =>
    inSlices<SheetRow, ImportResult>(rows, 25, json, (slice) => send('creators import', { org: options.org, test: options.test, campaign: options.campaign, dryRun, rows: slice })),
  );
  if ('error' in sent) return fail(sent, json);
  const outcomes = sent.results.flatMap((result) => result.rows);
  const count = (status: string) => outcomes.filter((outcome) => outcome.status === status).length;
  const summary = { object: 'creator_import', dry_run: dryRun, created: count('created'), code_added: count('code_added'), unchanged: count('unchanged'), failed: count('failed'), rows: outcomes };
  if (json) console.log(JSON.stringify(summary, null, 2));
  else {
    const would = dryRun ? 'would be ' : '';
    for (const outcome of outcomes) {
      if (outcome.error) console.log(`row ${outcome.row}${outcome.error.param ? `, ${outcome.error.param}` : ''}: ${outcome.error.message}`);
      else if (dryRun) console.log(`row ${outcome.row}: ${outcome.handle} ${would}${outcome.status.replace('_', ' ')}${outcome.code ? ` (${outcome.code})` : ''}`);
    }
    console.log(`${summary.created} ${would}created, ${summary.code_added} ${would}given a code, ${summary.unchanged} unchanged, ${summary.failed} failed`);
  }
  if (summary.failed) process.exitCode = 1;
}

/** A bank's codes from a sheet with a `code` column (any other columns are ignored). */
function codesOfSheet(text: string): { row: number; code: string }[] {
  const rows = parseSheet(text);
  if (rows.length && !rows.some((row) => 'code' in row.fields)) throw ApiError.invalid('csv_invalid', 'The sheet needs a "code" column.', 'csv');
  return rows.filter((row) => row.fields.code).map((row) => ({ row: row.row, code: row.fields.code }));
}

type UploadResult = { results: UploadOutcome[]; coupon_bank: { remaining: number; codes: number } };

async function uploadBankSheet(file: string, options: { org: string; test?: boolean; bank: string }, json: boolean) {
  const codes = await readSheet(file, json, codesOfSheet);
  if (!codes) return;
  const sent = await withCommands((send) =>
    inSlices<{ row: number; code: string }, UploadResult>(codes, 100, json, (slice) =>
      send('bank upload', { org: options.org, test: options.test, bank: options.bank, codes: slice.map((entry) => entry.code) }),
    ),
  );
  if ('error' in sent) return fail(sent, json);
  const outcomes = sent.results.flatMap((result) => result.results);
  const bank = sent.results.at(-1)?.coupon_bank;
  if (json) console.log(JSON.stringify({ results: outcomes, coupon_bank: bank }, null, 2));
  else {
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'failed') console.log(`row ${codes[index].row}, ${outcome.code}: ${outcome.error.message}`);
    });
    const count = (status: string) => outcomes.filter((outcome) => outcome.status === status).length;
    console.log(`${count('created')} created, ${count('adopted')} adopted, ${count('unchanged')} unchanged, ${count('failed')} failed; ${bank?.remaining ?? 0} of ${bank?.codes ?? 0} codes left to hand out`);
  }
  if (outcomes.some((outcome) => outcome.status === 'failed')) process.exitCode = 1;
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
  .description('Operate a Shoutout service: orgs, API keys, creators, campaigns, codes, conversion sheets, creator payouts, webhooks, Stripe App grants and Stripe sync.')
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
const creators = program.command('creators').description('creators in bulk');
inOrg(creators.command('import').argument('<file>', 'a CSV sheet: handle, name, first_name, last_name, email, customer_id, avatar_url, stripe_customer_id, code, campaign'))
  .description('create creators and their codes from a CSV sheet; safe to run again')
  .option('--campaign <id>', 'campaign of rows with a code and no campaign column')
  .option('--dry-run', 'only list what each row would do')
  .action((file: string, options) => importCreatorsSheet(file, options, Boolean(program.opts().json)));
define('bank create', 'create a coupon bank for a campaign', (c) => inOrg(c).requiredOption('--campaign <id>').requiredOption('--name <name>'));
define('bank show', 'a coupon bank, with how many codes are left', (c) => inOrg(c).requiredOption('--bank <id>', 'bank id (cbk_…)'));
program.commands
  .find((existing) => existing.name() === 'bank')!
  .command('upload')
  .argument('<file>', 'a CSV sheet with a code column')
  .description('upload codes to a coupon bank: each becomes, or is adopted as, a Stripe promotion code; safe to run again')
  .requiredOption('--org <id>', 'org id (org_…)')
  .option('--test', 'test mode instead of live')
  .requiredOption('--bank <id>', 'bank id (cbk_…)')
  .action((file: string, options) => uploadBankSheet(file, options, Boolean(program.opts().json)));
define('conversions export', 'print conversions as CSV (--json: as JSON), newest first, to pay creators', (c) =>
  inOrg(c)
    .option('--from <date>', 'created at or after, e.g. 2026-11-01 (UTC)')
    .option('--to <date>', 'created before; a plain date includes that day')
    .option('--creator <id|handle>')
    .option('--campaign <id>')
    .option('--status <status>', 'credited, partially_refunded, refunded or flagged (self-referrals)')
    .option('--commission-currency <code>', 'only commission counted in this currency, as a payout in it pays'),
);
define('rewards balances', "a creator's or a referred customer's reward balance per unit", (c) =>
  inOrg(c).option('--creator <id|handle>').option('--external-id <id>', 'a referred customer: the externalId passed to identify'),
);
define('rewards ledger', "a creator's or a referred customer's rewards and redemptions, newest first (100 at most)", (c) =>
  inOrg(c).option('--creator <id|handle>').option('--external-id <id>', 'a referred customer: the externalId passed to identify'),
);
define('rewards redeem', 'spend from a balance, once per reference', (c) =>
  inOrg(c)
    .option('--creator <id|handle>')
    .option('--external-id <id>', 'a referred customer: the externalId passed to identify')
    .requiredOption('--amount <n>', 'points, or minor units of --unit')
    .option('--unit <points|currency>', 'points (default) or the currency of fixed-amount rewards')
    .requiredOption('--reference <text>', 'your id for this spend: a retry spends nothing more'),
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
define('webhook create', 'add a webhook endpoint; prints its signing secret, shown this once', (c) =>
  inOrg(c)
    .requiredOption('--url <url>', 'where events are POSTed (https in live mode)')
    .option('--event <type...>', 'event types to send (default: * = every type but referral.clicked)')
    .option('--description <text>'),
);
define('webhook list', "the endpoints of the org's mode", (c) => inOrg(c));
define('webhook update', 'change, disable or enable an endpoint', (c) =>
  inOrg(c)
    .requiredOption('--id <we_id>')
    .option('--url <url>')
    .option('--event <type...>')
    .option('--description <text>')
    .option('--disable', 'stop deliveries (events are still recorded)')
    .option('--enable', 'start deliveries again'),
);
define('webhook roll-secret', 'a new signing secret; the previous one keeps signing for a while', (c) =>
  inOrg(c).requiredOption('--id <we_id>').option('--expire-previous-in-hours <hours>', '0 to 168, default 24'),
);
define('webhook delete', 'delete an endpoint', (c) => inOrg(c).requiredOption('--id <we_id>'));
define('events list', 'recent events, newest first', (c) => inOrg(c).option('--type <type>').option('--limit <n>', '1 to 100, default 10'));
define('portal link', `print a single-use sign-in link to a creator's portal page, good for ${INVITATION_LINK_HOURS} hours (for when email is not set up)`, (c) =>
  inOrg(c).requiredOption('--creator <id|handle>'),
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
define('stripe ignored', 'list signed Stripe events acknowledged but not acted on (malformed, or naming what Stripe no longer has), newest first', (c) =>
  c.option('--org <id>', 'only this org').option('--limit <n>', 'how many (default 50)'),
);

program
  .command('backup')
  .description('copy the embedded store into a new file while the service runs (see docs/self-hosting.md to restore it)')
  .requiredOption('--to <file>', 'the backup file; it must not exist yet')
  // Resolved here: the command may run inside the server, whose working directory is its own.
  .action((options: { to: string }) => execute('backup', { to: path.resolve(options.to) }, Boolean(program.opts().json)));

program.parseAsync().catch((error) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
