import type { Campaign } from '../catalog/repo';
import { getCreator } from '../catalog/service';
import type { Conversion } from '../conversions/repo';
import { newId } from '../crypto';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import type { OrgScope } from '../orgs/repo';
import { markCreated } from '../store/outbox';
import { listens } from '../webhooks/listening';
import { presentRewardBalances, presentRewardEntry } from './present';
import type { Participant, RewardEntry, RewardRule } from './repo';
import type { LedgerQuery, ParticipantQuery, RedeemInput, RewardRuleInput } from './schemas';

/** A campaign's rules as stored, from what campaign creation was given. */
export function rewardRulesOf(input: RewardRuleInput[] | undefined): RewardRule[] {
  return (input ?? []).map((rule) => ({
    recipient: rule.recipient,
    trigger: rule.trigger,
    unit: rule.currency ?? 'points',
    value: rule.points ?? rule.amount!,
    perAmount: rule.per?.amount ?? null,
    perCurrency: rule.per?.currency ?? null,
  }));
}

export const creatorParticipant = (creatorId: string): Participant => `creator:${creatorId}`;
export const customerParticipant = (externalIdHash: string): Participant => `customer:${externalIdHash}`;

/** Who a rule rewards: the advocate (the creator), or the friend when we know who they are. */
const recipientOf = (rule: RewardRule, creatorId: string, customerHash: string | null): Participant | null =>
  rule.recipient === 'advocate' ? creatorParticipant(creatorId) : customerHash ? customerParticipant(customerHash) : null;

interface Earned {
  key: string;
  participant: Participant;
  rule: RewardRule;
  amount: number;
  campaignId: string;
  creatorId: string;
  conversionId: string | null;
}

async function earn(deps: Deps, scope: OrgScope, earned: Earned, at: Date) {
  const { doc, created } = await deps.store.rewardEntries.insertOnce({
    ...scope,
    id: newId('rwd'),
    key: earned.key,
    participant: earned.participant,
    kind: 'reward',
    unit: earned.rule.unit,
    amount: earned.amount,
    base: earned.amount,
    trigger: earned.rule.trigger,
    recipient: earned.rule.recipient,
    campaignId: earned.campaignId,
    creatorId: earned.creatorId,
    conversionId: earned.conversionId,
    reference: null,
    createdAt: at,
    updatedAt: at,
    ...markCreated(await listens(deps, scope, 'reward_entry.created')),
  });
  if (created) deps.logger.info({ reward: doc.id, trigger: doc.trigger, recipient: doc.recipient }, 'reward earned');
  return doc;
}

const rulesOf = (campaign: Campaign) => campaign.rewards ?? [];

/**
 * A confirmed signup (identify, or a trusted signup report): the signup rules of the campaign the
 * customer is bound to. A customer signs up once, so each rule pays once per customer whatever
 * campaign a later referral binds them to.
 */
export async function rewardSignup(deps: Deps, scope: OrgScope, signup: { campaignId: string; creatorId: string; customerHash: string }) {
  const campaign = await deps.store.campaigns.get(scope, signup.campaignId);
  if (!campaign) return [];
  const at = deps.now();
  const rewards: RewardEntry[] = [];
  for (const [index, rule] of rulesOf(campaign).entries()) {
    const participant = rule.trigger === 'signup' ? recipientOf(rule, signup.creatorId, signup.customerHash) : null;
    if (!participant) continue;
    const key = `signup:${signup.customerHash}:${index}`;
    rewards.push(await earn(deps, scope, { key, participant, rule, amount: rule.value, campaignId: campaign.id, creatorId: signup.creatorId, conversionId: null }, at));
  }
  return rewards;
}

/** What a purchase rule gives for this conversion, before refunds; 0 when it gives nothing. */
function purchaseValue(rule: RewardRule, conversion: Conversion): number {
  if (rule.trigger === 'amount_spent') {
    if (conversion.currency !== rule.perCurrency) return 0;
    return Math.floor(conversion.amount / rule.perAmount!) * rule.value;
  }
  return rule.trigger === 'signup' ? 0 : rule.value;
}

/**
 * The purchase rules of a credited conversion (Stripe, offline or a trusted report), each once per
 * conversion (first_purchase once per buyer), then cut by whatever refunds it already has. A
 * self-referral or a payment of nothing (a trial's start) earns no reward, as it earns no commission.
 * `customerHash` is the buyer as the brand's user, when known: friend rules need it.
 */
export async function rewardConversion(deps: Deps, scope: OrgScope, conversion: Conversion, customerHash: string | null) {
  if (conversion.status === 'flagged' || conversion.amount <= 0) return [];
  const campaign = await deps.store.campaigns.get(scope, conversion.campaignId);
  if (!campaign) return [];
  const buyer = customerHash ?? conversion.stripeCustomerId ?? conversion.id;
  const rewards: RewardEntry[] = [];
  for (const [index, rule] of rulesOf(campaign).entries()) {
    const participant = recipientOf(rule, conversion.creatorId, customerHash);
    const amount = purchaseValue(rule, conversion);
    if (!participant || amount <= 0) continue;
    const key = rule.trigger === 'first_purchase' ? `first_purchase:${buyer}:${index}` : `purchase:${conversion.id}:${index}`;
    const earned = { key, participant, rule, amount, campaignId: campaign.id, creatorId: conversion.creatorId, conversionId: conversion.id };
    rewards.push(await earn(deps, scope, earned, conversion.createdAt));
  }
  // A refund may have landed while these were written: read the conversion as it is now.
  await takeBackRewards(deps, scope, conversion.id);
  return rewards;
}

/**
 * Refunds and lost disputes take a conversion's rewards back in the proportion they take its
 * commission: each reward keeps the share of the payment not returned. Called after the conversion
 * records them; each reward only falls, so a stale call changes nothing.
 */
export async function takeBackRewards(deps: Deps, scope: OrgScope, conversionId: string) {
  const [conversion, rewards] = await Promise.all([deps.store.conversions.get(scope, conversionId), deps.store.rewardEntries.forConversion(scope, conversionId)]);
  if (!conversion || rewards.length === 0) return [];
  const remaining = conversion.amount > 0 ? Math.max(0, conversion.amount - conversion.refunded) / conversion.amount : 0;
  const at = deps.now();
  const changed: RewardEntry[] = [];
  const tell = await listens(deps, scope, 'reward_entry.updated');
  for (const reward of rewards) {
    const updated = await deps.store.rewardEntries.reduceTo(scope, reward.id, Math.round(reward.base * remaining), at, tell);
    if (updated) changed.push(updated);
  }
  return changed;
}

async function participantOf(deps: Deps, scope: OrgScope, query: ParticipantQuery): Promise<Participant> {
  if (query.externalId) return customerParticipant(deps.secrets.hashExternalId(scope.orgId, query.externalId));
  return creatorParticipant((await getCreator(deps, scope, query.creator!)).id);
}

/** A participant's balance per unit: earned, taken back by refunds, redeemed. */
export async function balancesOf(deps: Deps, scope: OrgScope, participant: Participant) {
  return presentRewardBalances(participant, scope, await deps.store.rewardEntries.listFor(scope, participant));
}

/** Each creator's balances, by creator id, for the drawer: one query for all of them. */
export async function creatorBalances(deps: Deps, scope: OrgScope, creatorIds: string[]) {
  const participants = creatorIds.map(creatorParticipant);
  const entries = await deps.store.rewardEntries.listForAll(scope, participants);
  return new Map(
    creatorIds.map((id, index) => [id, presentRewardBalances(participants[index], scope, entries.filter((entry) => entry.participant === participants[index]))]),
  );
}

export async function getRewardBalances(deps: Deps, scope: OrgScope, query: ParticipantQuery) {
  return balancesOf(deps, scope, await participantOf(deps, scope, query));
}

/** One page of a participant's ledger, newest first. */
export async function listRewardLedger(deps: Deps, scope: OrgScope, query: LedgerQuery) {
  const participant = await participantOf(deps, scope, query);
  const after = query.starting_after ? await deps.store.rewardEntries.get(scope, query.starting_after) : undefined;
  if (after === null || (after && after.participant !== participant)) {
    throw ApiError.invalid('resource_missing', `No such ledger entry: ${query.starting_after}`, 'starting_after');
  }
  const found = await deps.store.rewardEntries.page(scope, participant, { limit: query.limit + 1, after });
  return { object: 'list' as const, data: found.slice(0, query.limit).map(presentRewardEntry), has_more: found.length > query.limit };
}

const balanceIn = (entries: RewardEntry[], unit: string) =>
  entries.filter((entry) => entry.unit === unit).reduce((total, entry) => total + entry.amount, 0);

/**
 * Spends from a participant's balance, once per `reference`. The spend is written first and then
 * checked against the balance it leaves, counting every other spend written meanwhile, and taken
 * back if that is negative: two spends racing for the same points can both be refused, never both
 * accepted. A retry of an accepted spend answers it again (`created: false`).
 */
export async function redeemRewards(deps: Deps, scope: OrgScope, input: RedeemInput) {
  const participant = await participantOf(deps, scope, input);
  const at = deps.now();
  const { doc, created } = await deps.store.rewardEntries.insertOnce({
    ...scope,
    id: newId('rwd'),
    key: `redeem:${input.reference}`,
    participant,
    kind: 'redemption',
    unit: input.unit,
    amount: -input.amount,
    base: -input.amount,
    trigger: null,
    recipient: null,
    campaignId: null,
    creatorId: null,
    conversionId: null,
    reference: input.reference,
    createdAt: at,
    updatedAt: at,
  });
  if (!created) {
    if (doc.participant !== participant || doc.unit !== input.unit || doc.base !== -input.amount) {
      throw ApiError.conflict('reference_reused', `The reference ${input.reference} was used for another redemption.`, 'reference');
    }
    // A first call that died between writing the spend and marking it: the retry tells it.
    if (doc.eventVersion === undefined && (await listens(deps, scope, 'reward_entry.created'))) await deps.store.rewardEntries.markAccepted(scope, doc.id);
    return { redemption: presentRewardEntry(doc), created };
  }
  const balance = balanceIn(await deps.store.rewardEntries.listFor(scope, participant), input.unit);
  if (balance < 0) {
    await deps.store.rewardEntries.remove(scope, doc.id);
    throw ApiError.invalid(
      'insufficient_balance',
      `The balance is ${balance + input.amount} ${input.unit}, less than the ${input.amount} asked for.`,
      'amount',
      422,
    );
  }
  if (await listens(deps, scope, 'reward_entry.created')) await deps.store.rewardEntries.markAccepted(scope, doc.id);
  deps.logger.info({ reward: doc.id, reference: input.reference }, 'rewards redeemed');
  return { redemption: presentRewardEntry(doc), created };
}
