import { z } from 'zod';
import { grantAppUser, listAppGrants, revokeAppUser } from '../app/access';
import { presentAppGrant } from '../app/present';
import { appIdentitySchema } from '../app/schemas';
import { presentCampaign, presentCreator, presentPromoCode } from '../catalog/present';
import { createCampaignSchema, createCreatorSchema, createPromoCodeSchema } from '../catalog/schemas';
import { createCampaign, createCreator, createPromoCode, getCreator, setPromoCodeActive } from '../catalog/service';
import { conversionsCsv } from '../conversions/csv';
import { conversionFilters, exportConversionsQuery, ordered } from '../conversions/schemas';
import { exportConversions } from '../conversions/service';
import type { Deps } from '../deps';
import { parse } from '../http/validate';
import { presentApiKey, presentOrg } from '../orgs/present';
import { API_KEY_SCOPES, type Org, type OrgScope } from '../orgs/repo';
import { createApiKeySchema, createOrgSchema } from '../orgs/schemas';
import { createApiKey, createOrg, getOrg, listApiKeys, revokeApiKey } from '../orgs/service';
import { balancesQuery, createPayoutSchema } from '../payouts/schemas';
import { createPayout, listBalances } from '../payouts/service';
import { presentIgnoredEvents } from '../stripe/present';
import { ledgerQuery, participantQuery, redeemSchema } from '../rewards/schemas';
import { getRewardBalances, listRewardLedger, redeemRewards } from '../rewards/service';
import { mintSignInLink } from '../portal/links';
import { INVITATION_LINK_HOURS } from '../portal/service';
import { syncStripeEvents } from '../stripe/sync';
import { backupStore } from './backup';
import { createCouponBankSchema, uploadCodesSchema } from '../coupon-banks/schemas';
import { createCouponBank, getCouponBank, presentBank, uploadCodes } from '../coupon-banks/service';
import { sheetRowSchema } from '../creator-import/schemas';
import { importCreators } from '../creator-import/service';
import { createEndpointSchema, listEventsQuery, rollSecretSchema, updateEndpointSchema } from '../webhooks/schemas';
import { createEndpoint, deleteEndpoint, listEndpoints, listEvents, rollSecret, updateEndpoint } from '../webhooks/service';

/**
 * Operator commands as plain functions of `(deps, options)`: the CLI runs them in-process, or,
 * when a server owns the embedded data dir, inside that server (see routes.ts).
 */
interface Command<S extends z.ZodType> {
  options: S;
  /** `onProgress` hears how far a long command got, for the operator's terminal. */
  run(deps: Deps, options: z.infer<S>, onProgress?: (message: string) => void): Promise<unknown>;
  /** The human output, when a generic listing of the result's fields is not it (a CSV sheet). */
  human?(result: unknown): string;
}
const command = <S extends z.ZodType>(options: S, run: Command<S>['run'], human?: Command<S>['human']): Command<S> => ({ options, run, human });

const inOrg = z.object({ org: z.string().min(1), test: z.boolean().default(false) });
async function orgFor(deps: Deps, options: z.infer<typeof inOrg>): Promise<{ org: Org; scope: OrgScope }> {
  const org = await getOrg(deps, options.org);
  return { org, scope: { orgId: org.id, livemode: !options.test } };
}
const scopeFor = async (deps: Deps, options: z.infer<typeof inOrg>) => (await orgFor(deps, options)).scope;

export const commands = {
  init: command(z.object({ name: z.string(), domain: z.array(z.string()).default([]), test: z.boolean().default(false) }), async (deps, options) => {
    const org = await createOrg(deps, parse(createOrgSchema, { name: options.name, domains: options.domain }));
    const { secret, key } = await createApiKey(deps, org.id, {
      name: 'Default',
      scopes: ['referrals', 'tracking', 'admin'],
      livemode: !options.test,
    });
    return { org: presentOrg(org), api_key: presentApiKey(key, secret) };
  }),

  'key create': command(inOrg.extend({ name: z.string().optional(), scope: z.array(z.enum(API_KEY_SCOPES)).optional() }), async (deps, options) => {
    const scope = await scopeFor(deps, options);
    const input = parse(createApiKeySchema, { name: options.name, scopes: options.scope, livemode: scope.livemode });
    const { secret, key } = await createApiKey(deps, scope.orgId, input);
    return presentApiKey(key, secret);
  }),

  'key list': command(inOrg, async (deps, options) => {
    const scope = await scopeFor(deps, options);
    return (await listApiKeys(deps, scope.orgId)).map((key) => presentApiKey(key));
  }),

  'key revoke': command(inOrg.extend({ id: z.string() }), async (deps, options) => {
    const scope = await scopeFor(deps, options);
    return presentApiKey(await revokeApiKey(deps, scope.orgId, options.id));
  }),

  'creator create': command(
    inOrg.extend({
      handle: z.string(),
      name: z.string().optional(),
      avatarUrl: z.string().optional(),
      email: z.string().optional(),
      stripeCustomer: z.string().optional(),
    }),
    async (deps, options) => {
      const input = parse(createCreatorSchema, {
        handle: options.handle,
        name: options.name,
        avatar_url: options.avatarUrl,
        email: options.email,
        stripe_customer_id: options.stripeCustomer,
      });
      return presentCreator(await createCreator(deps, await scopeFor(deps, options), input));
    },
  ),

  'campaign create': command(
    inOrg.extend({
      title: z.string(),
      percentOff: z.coerce.number().optional(),
      amountOff: z.coerce.number().optional(),
      currency: z.string().optional(),
      duration: z.string().optional(),
      durationInMonths: z.coerce.number().optional(),
      commissionPercent: z.coerce.number().optional(),
      commissionFixed: z.coerce.number().optional(),
      recurringMonths: z.coerce.number().optional(),
    }),
    async (deps, options) => {
      const commission =
        options.commissionFixed !== undefined
          ? { type: 'fixed', value: options.commissionFixed, currency: options.currency, recurring_months: options.recurringMonths }
          : options.commissionPercent !== undefined
            ? { type: 'percent', value: options.commissionPercent, recurring_months: options.recurringMonths }
            : undefined;
      const input = parse(createCampaignSchema, {
        title: options.title,
        discount_type: options.amountOff !== undefined ? 'amount_off' : 'percent_off',
        discount_value: options.amountOff ?? options.percentOff,
        currency: options.currency,
        duration: options.duration,
        duration_in_months: options.durationInMonths,
        commission,
      });
      return presentCampaign(await createCampaign(deps, await scopeFor(deps, options), input));
    },
  ),

  'code create': command(inOrg.extend({ code: z.string(), creator: z.string(), campaign: z.string() }), async (deps, options) => {
    const input = parse(createPromoCodeSchema, { code: options.code, creator: options.creator, campaign: options.campaign });
    return presentPromoCode(await createPromoCode(deps, await scopeFor(deps, options), input));
  }),

  'code deactivate': command(inOrg.extend({ code: z.string() }), async (deps, options) =>
    presentPromoCode(await setPromoCodeActive(deps, await scopeFor(deps, options), options.code, false)),
  ),

  'code activate': command(inOrg.extend({ code: z.string() }), async (deps, options) =>
    presentPromoCode(await setPromoCodeActive(deps, await scopeFor(deps, options), options.code, true)),
  ),

  // The CLI reads the sheet and sends it a slice at a time, to show progress (main.ts).
  'creators import': command(
    inOrg.extend({ rows: z.array(sheetRowSchema).max(1000), campaign: z.string().optional(), dryRun: z.boolean().default(false) }),
    async (deps, options) => importCreators(deps, await scopeFor(deps, options), options.rows, { campaign: options.campaign, dryRun: options.dryRun }),
  ),

  'bank create': command(inOrg.extend({ campaign: z.string(), name: z.string() }), async (deps, options) => {
    const scope = await scopeFor(deps, options);
    return presentBank(deps, scope, await createCouponBank(deps, scope, parse(createCouponBankSchema, { campaign: options.campaign, name: options.name })));
  }),

  'bank show': command(inOrg.extend({ bank: z.string() }), async (deps, options) => {
    const scope = await scopeFor(deps, options);
    return presentBank(deps, scope, await getCouponBank(deps, scope, options.bank, 'bank'));
  }),

  'bank upload': command(inOrg.extend({ bank: z.string(), codes: z.array(z.string()) }), async (deps, options) => {
    const scope = await scopeFor(deps, options);
    return uploadCodes(deps, scope, await getCouponBank(deps, scope, options.bank, 'bank'), parse(uploadCodesSchema, { codes: options.codes }));
  }),

  'conversions export': command(
    ordered(inOrg.extend({ ...conversionFilters.shape, commissionCurrency: exportConversionsQuery.shape.commission_currency })),
    async (deps, { org, test, commissionCurrency, ...filters }) =>
      exportConversions(deps, await scopeFor(deps, { org, test }), { ...filters, commission_currency: commissionCurrency }),
    (conversions) => conversionsCsv(conversions as Parameters<typeof conversionsCsv>[0]),
  ),

  'payouts balances': command(inOrg.extend({ creator: z.string().optional(), currency: z.string().optional() }), async (deps, options) => {
    const { org, scope } = await orgFor(deps, options);
    return (await listBalances(deps, org, scope, parse(balancesQuery, { creator: options.creator, currency: options.currency }))).data;
  }),

  'payouts create': command(
    inOrg.extend({
      creator: z.string(),
      currency: z.string(),
      amount: z.coerce.number().optional(),
      dueThrough: z.coerce.number().optional(),
      reference: z.string().optional(),
    }),
    async (deps, options) => {
      const { org, scope } = await orgFor(deps, options);
      const { creator, currency, amount, dueThrough, reference } = options;
      const input = parse(createPayoutSchema, { creator, currency, amount, due_through: dueThrough, reference });
      return createPayout(deps, org, scope, input);
    },
  ),

  'rewards balances': command(inOrg.extend({ creator: z.string().optional(), externalId: z.string().optional() }), async (deps, options) =>
    getRewardBalances(deps, await scopeFor(deps, options), parse(participantQuery, { creator: options.creator, externalId: options.externalId })),
  ),

  'rewards ledger': command(inOrg.extend({ creator: z.string().optional(), externalId: z.string().optional() }), async (deps, options) => {
    const query = parse(ledgerQuery, { creator: options.creator, externalId: options.externalId, limit: 100 });
    return (await listRewardLedger(deps, await scopeFor(deps, options), query)).data;
  }),

  'rewards redeem': command(
    inOrg.extend({ creator: z.string().optional(), externalId: z.string().optional(), amount: z.coerce.number(), unit: z.string().optional(), reference: z.string() }),
    async (deps, { org, test, ...input }) => (await redeemRewards(deps, await scopeFor(deps, { org, test }), parse(redeemSchema, input))).redemption,
  ),

  'webhook create': command(
    inOrg.extend({ url: z.string(), event: z.array(z.string()).default(['*']), description: z.string().optional() }),
    async (deps, options) =>
      createEndpoint(deps, await scopeFor(deps, options), parse(createEndpointSchema, { url: options.url, enabled_events: options.event, description: options.description })),
  ),

  'webhook list': command(inOrg, async (deps, options) => (await listEndpoints(deps, await scopeFor(deps, options))).data),

  'webhook update': command(
    inOrg.extend({ id: z.string(), url: z.string().optional(), event: z.array(z.string()).optional(), description: z.string().optional(), disable: z.boolean().optional(), enable: z.boolean().optional() }),
    async (deps, options) => {
      const disabled = options.disable ? true : options.enable ? false : undefined;
      const input = parse(updateEndpointSchema, { url: options.url, enabled_events: options.event, description: options.description, disabled });
      return updateEndpoint(deps, await scopeFor(deps, options), options.id, input);
    },
  ),

  'webhook roll-secret': command(inOrg.extend({ id: z.string(), expirePreviousInHours: z.coerce.number().optional() }), async (deps, options) =>
    rollSecret(deps, await scopeFor(deps, options), options.id, parse(rollSecretSchema, { expire_previous_in_hours: options.expirePreviousInHours })),
  ),

  'webhook delete': command(inOrg.extend({ id: z.string() }), async (deps, options) => deleteEndpoint(deps, await scopeFor(deps, options), options.id)),

  'events list': command(inOrg.extend({ type: z.string().optional(), limit: z.coerce.number().optional() }), async (deps, options) =>
    (await listEvents(deps, await scopeFor(deps, options), parse(listEventsQuery, { type: options.type, limit: options.limit }))).data,
  ),

  'portal link': command(inOrg.extend({ creator: z.string() }), async (deps, options) => {
    const scope = await scopeFor(deps, options);
    const creator = await getCreator(deps, scope, options.creator, 'creator');
    return { creator: creator.id, url: await mintSignInLink(deps, { ...scope, creatorId: creator.id }, INVITATION_LINK_HOURS * 3_600_000), expires_in_hours: INVITATION_LINK_HOURS };
  }, (result) => `${(result as { url: string }).url}\n`),

  'app grant': command(z.object({ org: z.string().min(1), user: appIdentitySchema.shape.user_id }), async (deps, options) =>
    presentAppGrant(await grantAppUser(deps, await getOrg(deps, options.org), options.user)),
  ),

  'app revoke': command(z.object({ org: z.string().min(1), user: appIdentitySchema.shape.user_id }), async (deps, options) =>
    presentAppGrant(await revokeAppUser(deps, await getOrg(deps, options.org), options.user)),
  ),

  'app grants': command(z.object({ org: z.string().min(1) }), async (deps, options) =>
    (await listAppGrants(deps, await getOrg(deps, options.org))).map(presentAppGrant),
  ),

  'stripe sync': command(
    z.object({ since: z.coerce.date({ error: 'must be a date such as 2026-11-01 or 2026-11-01T10:00:00Z' }), org: z.string().optional() }),
    (deps, options, onProgress) => syncStripeEvents(deps, { since: options.since, orgId: options.org, onProgress }),
  ),

  backup: command(z.object({ to: z.string().min(1) }), (deps, options) => backupStore(deps.store, options.to)),

  'stripe ignored': command(z.object({ org: z.string().optional(), limit: z.coerce.number().int().min(1).max(1000).default(50) }), async (deps, options) => {
    const org = options.org ? await getOrg(deps, options.org) : null;
    return presentIgnoredEvents(await deps.store.ignoredStripeEvents.list({ orgId: org?.id, limit: options.limit }));
  }),
};

export type CommandName = keyof typeof commands;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name);
}

export function humanOutputOf(name: CommandName): ((result: unknown) => string) | undefined {
  return (commands[name] as Command<z.ZodType>).human;
}

export async function runCommand(deps: Deps, name: CommandName, options: unknown, onProgress?: (message: string) => void): Promise<unknown> {
  const definition = commands[name] as Command<z.ZodType>;
  return definition.run(deps, parse(definition.options, options), onProgress);
}
