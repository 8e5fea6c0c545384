import { z } from 'zod';
import { currencyCode, pageLimit } from '../http/validate';
import { pageOf, unixTime } from '../http/wire';

export const rewardRecipient = z.enum(['advocate', 'friend']);
export const rewardTrigger = z.enum(['signup', 'first_purchase', 'purchase', 'amount_spent']);

/** A campaign's reward rule as the API takes it (`rewards` on campaign creation). */
export const rewardRuleSchema = z
  .object({
    recipient: rewardRecipient.describe('advocate: the creator whose referral it was; friend: the referred customer (by externalId)'),
    trigger: rewardTrigger.describe(
      'signup: a confirmed signup (identify); first_purchase: the friend’s first paid conversion; purchase: every paid conversion; amount_spent: `value` for each `per.amount` spent',
    ),
    points: z.number().int().positive().optional().describe('Points earned; or give `amount` and `currency`'),
    amount: z.number().int().positive().optional().describe('A fixed amount earned, in minor units of `currency`'),
    currency: currencyCode.optional(),
    per: z
      .object({ amount: z.number().int().positive().describe('Minor units spent'), currency: currencyCode })
      .strict()
      .optional()
      .describe('amount_spent only: the reward is earned once for each of these spent, in purchases in this currency'),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if ((rule.points === undefined) === (rule.amount === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['points'], message: 'give either points or amount' });
    }
    if (rule.amount !== undefined && !rule.currency) ctx.addIssue({ code: 'custom', path: ['currency'], message: 'required with amount' });
    if (rule.points !== undefined && rule.currency) ctx.addIssue({ code: 'custom', path: ['currency'], message: 'only with amount' });
    if (rule.trigger === 'amount_spent' && !rule.per) ctx.addIssue({ code: 'custom', path: ['per'], message: 'required with amount_spent' });
    if (rule.trigger !== 'amount_spent' && rule.per) ctx.addIssue({ code: 'custom', path: ['per'], message: 'only with amount_spent' });
  });
export type RewardRuleInput = z.infer<typeof rewardRuleSchema>;

export const rewardRulesSchema = z.array(rewardRuleSchema).max(10);

/** Whose rewards: a creator (id or handle) or a referred customer (your user id, hashed on receipt). */
const participantFields = {
  creator: z.string().min(1).max(200).optional().describe('A creator, by id or handle'),
  externalId: z.string().min(1).max(256).optional().describe('A referred customer: the externalId you passed to identify'),
};
const oneParticipant = <T extends { creator?: string; externalId?: string }>(input: T) => !input.creator !== !input.externalId;
const oneParticipantError = { message: 'give either creator or externalId', path: ['creator'] };

export const participantQuery = z.object(participantFields).strict().refine(oneParticipant, oneParticipantError);
export type ParticipantQuery = z.infer<typeof participantQuery>;

export const ledgerQuery = z
  .object({
    ...participantFields,
    limit: pageLimit,
    starting_after: z.string().min(1).max(200).optional().describe('The last entry id of the page before, for the next page'),
  })
  .strict()
  .refine(oneParticipant, oneParticipantError);
export type LedgerQuery = z.infer<typeof ledgerQuery>;

export const redeemSchema = z
  .object({
    ...participantFields,
    amount: z.number().int().positive().describe('How much to spend: points, or minor units of `unit`'),
    unit: z
      .union([z.literal('points'), currencyCode])
      .default('points')
      .describe('points (default), or the currency of fixed-amount rewards'),
    reference: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .describe('Your id for this spend (an order, a voucher): a retry with the same reference spends nothing more'),
  })
  .strict()
  .refine(oneParticipant, oneParticipantError);
export type RedeemInput = z.infer<typeof redeemSchema>;

/** A campaign's reward rule as campaigns show it: points, or an amount in a currency. */
export const rewardRuleResponse = z
  .object({
    recipient: rewardRecipient,
    trigger: rewardTrigger,
    points: z.number().int().nullable(),
    amount: z.number().int().nullable(),
    currency: z.string().nullable(),
    per: z.object({ amount: z.number().int(), currency: z.string().nullable() }).nullable(),
  })
  .meta({ id: 'RewardRule' });
export type RewardRuleResponse = z.infer<typeof rewardRuleResponse>;

/** A creator by id; a customer only by kind, since Shoutout keeps nothing but a hash of their id. */
const participantResponse = z.union([z.object({ type: z.literal('creator'), creator: z.string() }), z.object({ type: z.literal('customer') })]);

export const rewardEntryResponse = z
  .object({
    id: z.string(),
    object: z.literal('reward_entry'),
    livemode: z.boolean(),
    participant: participantResponse,
    kind: z.enum(['reward', 'redemption']),
    unit: z.string().describe('points, or the currency of a fixed amount'),
    amount: z.number().int().describe('What it is worth now; negative for a redemption'),
    taken_back: z.number().int().describe('What refunds and lost disputes of its purchase took back'),
    trigger: rewardTrigger.nullable(),
    recipient: rewardRecipient.nullable(),
    campaign: z.string().nullable(),
    creator: z.string().nullable(),
    conversion: z.string().nullable(),
    reference: z.string().nullable(),
    created: unixTime,
  })
  .meta({ id: 'RewardEntry' });
export type RewardEntryResponse = z.infer<typeof rewardEntryResponse>;

export const rewardBalancesResponse = z
  .object({
    object: z.literal('reward_balances'),
    livemode: z.boolean(),
    participant: participantResponse,
    points: z.number().int().describe('The points balance'),
    balances: z.array(
      z.object({ unit: z.string(), balance: z.number().int(), earned: z.number().int(), taken_back: z.number().int(), redeemed: z.number().int() }),
    ),
  })
  .meta({ id: 'RewardBalances' });
export type RewardBalancesResponse = z.infer<typeof rewardBalancesResponse>;

export const rewardLedgerResponse = pageOf(rewardEntryResponse);
