import type { OrgScope } from '../orgs/repo';
import { cond, type Driver } from '../store/driver';
import { insertOnce } from '../store/insert-once';
import { pageNewestFirst } from '../store/paging';

export type RewardRecipient = 'advocate' | 'friend';
export type RewardTrigger = 'signup' | 'first_purchase' | 'purchase' | 'amount_spent';

/** A campaign's reward rule, kept on the campaign. `unit` is `points` or the currency of a fixed amount. */
export interface RewardRule {
  recipient: RewardRecipient;
  trigger: RewardTrigger;
  unit: string;
  /** Points, or minor units of `unit`: per event, or for each `perAmount` spent. */
  value: number;
  /** amount_spent only: the reward is earned for each of these minor units of `perCurrency` spent. */
  perAmount: number | null;
  perCurrency: string | null;
}

/** Whose ledger an entry is on: `creator:<id>`, or `customer:<keyed hash of the brand's user id>`. */
export type Participant = `creator:${string}` | `customer:${string}`;

/**
 * One line of a participant's ledger: a reward with what earned it, or a redemption. A balance is
 * the sum of a participant's entries in one unit.
 */
export interface RewardEntry extends OrgScope {
  id: string;
  /** What earned it, once: a redelivered event or a retried redemption finds the entry already there. */
  key: string;
  participant: Participant;
  kind: 'reward' | 'redemption';
  unit: string;
  /** What it is worth now: a reward less what refunds and lost disputes took back; negative for a redemption. */
  amount: number;
  /** A reward before refunds (a redemption's own amount). */
  base: number;
  trigger: RewardTrigger | null;
  recipient: RewardRecipient | null;
  campaignId: string | null;
  /** The advocate of a reward, whichever side earned it. */
  creatorId: string | null;
  /** The conversion a purchase reward came from: its refunds take the reward back in proportion. */
  conversionId: string | null;
  /** The brand's reference of a redemption. */
  reference: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export async function openRewardRepos(driver: Driver) {
  const entries = await driver.collection<RewardEntry>({
    name: 'reward_entries',
    indexes: [
      { fields: ['id'], unique: true },
      { fields: ['orgId', 'livemode', 'key'], unique: true },
      { fields: ['orgId', 'livemode', 'participant'] },
      { fields: ['orgId', 'livemode', 'conversionId'] },
      // A participant's ledger, newest first.
      { fields: ['orgId', 'livemode', 'participant', 'createdAt', 'id'] },
    ],
  });
  const byScope = ({ orgId, livemode }: OrgScope) => ({ orgId, livemode });

  return {
    rewardEntries: {
      /** Inserts once per key (the unique index decides); a later writer gets the stored entry back. */
      insertOnce: (entry: RewardEntry) => insertOnce(entries, entry, { ...byScope(entry), key: entry.key }),
      get: (scope: OrgScope, id: string) => entries.findOne({ ...byScope(scope), id }),
      /** Every entry of a participant, for balances. */
      listFor: (scope: OrgScope, participant: Participant) => entries.find({ ...byScope(scope), participant }),
      page: (scope: OrgScope, participant: Participant, options: { limit?: number; after?: RewardEntry }) =>
        pageNewestFirst(entries, { ...byScope(scope), participant }, {}, options),
      forConversion: (scope: OrgScope, conversionId: string) => entries.find({ ...byScope(scope), conversionId, kind: 'reward' }),
      /** Refunds only grow, so an update that would raise what is left (a stale one) matches nothing. */
      reduceTo: (scope: OrgScope, id: string, amount: number, at: Date) =>
        entries.updateOne({ ...byScope(scope), id, amount: cond({ $gt: amount }) }, { $set: { amount, updatedAt: at } }),
      /** Takes back a redemption the balance could not cover. */
      remove: (scope: OrgScope, id: string) => entries.deleteMany({ ...byScope(scope), id }),
    },
  };
}
