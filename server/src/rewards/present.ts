import { toUnixSeconds } from '../http/validate';
import type { OrgScope } from '../orgs/repo';
import type { Participant, RewardEntry, RewardRule } from './repo';
import type { RewardBalancesResponse, RewardEntryResponse, RewardRuleResponse } from './schemas';

/** A creator by id; a customer only by kind, since Shoutout keeps nothing but a hash of their id. */
function presentParticipant(participant: Participant): RewardEntryResponse['participant'] {
  const [type, id] = participant.split(':') as ['creator' | 'customer', string];
  return type === 'creator' ? { type, creator: id } : { type };
}

export function presentRewardRule(rule: RewardRule): RewardRuleResponse {
  const points = rule.unit === 'points';
  return {
    recipient: rule.recipient,
    trigger: rule.trigger,
    points: points ? rule.value : null,
    amount: points ? null : rule.value,
    currency: points ? null : rule.unit,
    per: rule.perAmount === null ? null : { amount: rule.perAmount, currency: rule.perCurrency },
  };
}

export function presentRewardEntry(entry: RewardEntry): RewardEntryResponse {
  return {
    id: entry.id,
    object: 'reward_entry',
    livemode: entry.livemode,
    participant: presentParticipant(entry.participant),
    kind: entry.kind,
    unit: entry.unit,
    amount: entry.amount,
    taken_back: entry.base - entry.amount,
    trigger: entry.trigger,
    recipient: entry.recipient,
    campaign: entry.campaignId,
    creator: entry.creatorId,
    conversion: entry.conversionId,
    reference: entry.reference,
    created: toUnixSeconds(entry.createdAt),
  };
}

/** Per unit (points first): what is left to spend, and how it came about. */
export function presentRewardBalances(participant: Participant, scope: OrgScope, entries: RewardEntry[]): RewardBalancesResponse {
  const byUnit = new Map<string, { unit: string; balance: number; earned: number; taken_back: number; redeemed: number }>();
  for (const entry of entries) {
    const total = byUnit.get(entry.unit) ?? { unit: entry.unit, balance: 0, earned: 0, taken_back: 0, redeemed: 0 };
    byUnit.set(entry.unit, total);
    total.balance += entry.amount;
    if (entry.kind === 'redemption') total.redeemed -= entry.amount;
    else {
      total.earned += entry.base;
      total.taken_back += entry.base - entry.amount;
    }
  }
  const balances = [...byUnit.values()].sort((a, b) => (a.unit === 'points' ? -1 : b.unit === 'points' ? 1 : a.unit.localeCompare(b.unit)));
  return {
    object: 'reward_balances',
    livemode: scope.livemode,
    participant: presentParticipant(participant),
    points: byUnit.get('points')?.balance ?? 0,
    balances,
  };
}
