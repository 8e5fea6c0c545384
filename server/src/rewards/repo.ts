import type { OrgScope } from '../orgs/repo';
import { cond, type Driver } from '../store/driver';
import { insertOnce } from '../store/insert-once';
import { markCreated, markUpdated, type Outboxed, outboxIndex, outboxOf } from '../store/outbox';
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
export interface RewardEntry extends OrgScope, Outboxed {
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
      { fields: ['orgId', 'livemode', 'conversionId'], notNull: true },
      // A participant's entries for balances, and their ledger newest first.
      { fields: ['orgId', 'livemode', 'participant', 'createdAt', 'id'] },
      outboxIndex<RewardEntry>(),
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
      /** Every entry of these participants in one query, for the drawer's balances of all creators. */
      listForAll: (scope: OrgScope, participants: Participant[]) => entries.find({ ...byScope(scope), participant: cond({ $in: participants }) }),
      page: (scope: OrgScope, participant: Participant, options: { limit?: number; after?: RewardEntry }) =>
        pageNewestFirst(entries, { ...byScope(scope), participant }, {}, options),
      forConversion: (scope: OrgScope, conversionId: string) => entries.find({ ...byScope(scope), conversionId, kind: 'reward' }),
      /** Refunds only grow, so an update that would raise what is left (a stale one) matches nothing. `tell`: as reward_entry.updated. */
      reduceTo: (scope: OrgScope, id: string, amount: number, at: Date, tell: boolean) =>
        entries.updateOne({ ...byScope(scope), id, amount: cond({ $gt: amount }) }, markUpdated<RewardEntry>(tell, { $set: { amount, updatedAt: at } })),
      /**
       * Marks a redemption to be told as created, once the balance has covered it: marked when
       * written, a refused one could be told in the moment before it is taken back. Marking again
       * derives the same event, which the relay then writes no second time.
       */
      markAccepted: (scope: OrgScope, id: string) => entries.updateOne({ ...byScope(scope), id }, { $set: markCreated(true) }),
      /** Takes back a redemption the balance could not cover. */
      remove: (scope: OrgScope, id: string) => entries.deleteMany({ ...byScope(scope), id }),
      outbox: outboxOf(entries, (entry) => ({ orgId: entry.orgId, livemode: entry.livemode, id: entry.id })),
    },
  };
}
