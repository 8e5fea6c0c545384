import { presentCreator, presentPromoCode } from '../catalog/present';
import { presentConversion } from '../conversions/present';
import { presentBinding } from '../customers/present';
import type { Deps } from '../deps';
import type { OrgScope } from '../orgs/repo';
import { presentPayout } from '../payouts/present';
import { presentRewardEntry } from '../rewards/present';
import type { Store } from '../store';
import type { Outbox, Outboxed } from '../store/outbox';
import { presentClick } from '../tracking/present';
import type { EventType } from './schemas';

/** An outboxed collection: which events its documents' creation and later changes are told as. */
interface Source<T extends Outboxed & OrgScope> {
  name: string;
  outbox(store: Store): Outbox<T>;
  created: EventType | null;
  updated: EventType | null;
  /** What identifies the document for good, for its events' ids. */
  key(doc: T): string;
  present(deps: Deps, doc: T): Promise<Record<string, unknown>>;
}

const source = <T extends Outboxed & OrgScope>(definition: Source<T>) => definition as unknown as Source<Outboxed & OrgScope>;
const creatorOf = (deps: Deps, doc: OrgScope & { creatorId: string }) => deps.store.creators.get(doc, doc.creatorId);

export const SOURCES = [
  source({
    name: 'clicks',
    outbox: (store) => store.clicks.outbox,
    created: 'referral.clicked',
    updated: null,
    key: (click) => click.id,
    present: async (_deps, click) => presentClick(click),
  }),
  source({
    name: 'bindings',
    outbox: (store) => store.bindings.outbox,
    created: 'customer.identified',
    updated: 'customer.identified',
    key: (binding) => binding.externalIdHash,
    present: async (_deps, binding) => presentBinding(binding),
  }),
  source({
    name: 'conversions',
    outbox: (store) => store.conversions.outbox,
    created: 'conversion.created',
    updated: 'conversion.updated',
    key: (conversion) => conversion.id,
    present: async (deps, conversion) => presentConversion(conversion, await creatorOf(deps, conversion)),
  }),
  source({
    name: 'payouts',
    outbox: (store) => store.payouts.outbox,
    created: 'payout.created',
    updated: null,
    key: (payout) => payout.id,
    present: async (deps, payout) => presentPayout(payout, await creatorOf(deps, payout)),
  }),
  source({
    name: 'creators',
    outbox: (store) => store.creators.outbox,
    created: 'creator.created',
    updated: null,
    key: (creator) => creator.id,
    present: async (_deps, creator) => presentCreator(creator),
  }),
  source({
    name: 'promo_codes',
    outbox: (store) => store.promoCodes.outbox,
    created: null,
    updated: 'promo_code.updated',
    key: (promoCode) => promoCode.id,
    present: async (_deps, promoCode) => presentPromoCode(promoCode),
  }),
  source({
    name: 'reward_entries',
    outbox: (store) => store.rewardEntries.outbox,
    created: 'reward_entry.created',
    updated: 'reward_entry.updated',
    key: (entry) => entry.id,
    present: async (_deps, entry) => presentRewardEntry(entry),
  }),
];

export type AnySource = (typeof SOURCES)[number];
