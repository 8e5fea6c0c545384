import { creatorsById, getCreator } from '../catalog/service';
import { newId } from '../crypto';
import { commissionCurrencyOf } from '../conversions/repo';
import type { ConversionFilters } from '../conversions/schemas';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import type { Org, OrgScope } from '../orgs/repo';
import { notifyPayoutRecorded } from '../portal/notices';
import { DuplicateKeyError } from '../store/driver';
import { presentBalance, presentPayout } from './present';
import type { Payout } from './repo';
import type { BalancesQuery, CreatePayoutInput, ListPayoutsQuery } from './schemas';
import { markCreated } from '../store/outbox';
import { listens } from '../webhooks/listening';

const DAY_MS = 86_400_000;
// Two payouts recorded at once from one balance collide on the sequence; the loser recomputes.
const PAYOUT_ATTEMPTS = 3;

/** One creator's commissions in one currency, as of now. */
export interface Ledger {
  creatorId: string;
  currency: string;
  /** Conversions created before this are past the hold period (or already paid): their commission is earned. */
  dueThrough: Date;
  earned: number;
  /** Commission still in the hold period: a refund can still cancel it. */
  pending: number;
  paid: number;
  /** The earned commission of conversions created since the last payout's `through`. */
  sinceLastPayout: number;
  latest: Payout | null;
}

const ledgerKey = (creatorId: string, currency: string) => `${creatorId} ${currency}`;

/**
 * Conversions created before this are past the hold period. Whole seconds, as balances and payout
 * periods give it, so a payout's period exported with those bounds lists exactly its conversions;
 * rounded up, so with no hold period every conversion so far is due.
 */
function releasedBefore(deps: Deps, org: Org) {
  return new Date(Math.ceil((deps.now().getTime() - org.payoutHoldDays * DAY_MS) / 1000) * 1000);
}

/**
 * Every creator's ledger per currency (or the ones asked for), from their conversions and payouts.
 * A conversion's commission is earned once it is older than the hold period; refunds keep lowering
 * it after that, and what is due (earned − paid) then falls, so a refund after a payout is taken
 * from the next one. A longer hold period set later never takes back what a payout already covered.
 */
async function ledgers(deps: Deps, scope: OrgScope, releasedBefore: Date, only: { creatorId?: string; currency?: string }) {
  const byCreator = only.creatorId ? { creatorId: only.creatorId } : {};
  const [conversions, payouts] = await Promise.all([
    deps.store.conversions.list(scope, byCreator),
    deps.store.payouts.list(scope, { ...byCreator, ...(only.currency && { currency: only.currency }) }),
  ]);
  const all = new Map<string, Ledger>();
  const ledgerOf = (creatorId: string, currency: string) => {
    const key = ledgerKey(creatorId, currency);
    let ledger = all.get(key);
    if (!ledger) {
      ledger = { creatorId, currency, dueThrough: releasedBefore, earned: 0, pending: 0, paid: 0, sinceLastPayout: 0, latest: null };
      all.set(key, ledger);
    }
    return ledger;
  };
  // Listed by sequence, so each ledger ends with its latest payout.
  for (const payout of payouts) {
    const ledger = ledgerOf(payout.creatorId, payout.currency);
    ledger.paid += payout.amount;
    ledger.latest = payout;
    if (payout.through > ledger.dueThrough) ledger.dueThrough = payout.through;
  }
  for (const conversion of conversions) {
    const { creatorId, commission, createdAt } = conversion;
    const currency = commissionCurrencyOf(conversion);
    if (only.currency && currency !== only.currency) continue;
    const ledger = ledgerOf(creatorId, currency);
    if (createdAt >= ledger.dueThrough) {
      ledger.pending += commission;
      continue;
    }
    ledger.earned += commission;
    if (!ledger.latest || createdAt >= ledger.latest.through) ledger.sinceLastPayout += commission;
  }
  return all;
}

/** `GET /api/payouts/balances`: what each creator is due now, pending and paid, per currency; most due first. */
export async function listBalances(deps: Deps, org: Org, scope: OrgScope, query: BalancesQuery) {
  const creator = query.creator ? await getCreator(deps, scope, query.creator, 'creator') : null;
  const all = await ledgers(deps, scope, releasedBefore(deps, org), { creatorId: creator?.id, currency: query.currency });
  // Conversions that earn nothing (free trials, zero-amount orders) would otherwise list a creator at 0 / 0 / 0.
  const balances = [...all.values()].filter((ledger) => ledger.earned || ledger.pending || ledger.paid);
  const creators = await creatorsById(deps, scope, balances);
  const presented = balances.map((ledger) => presentBalance(ledger, creators.get(ledger.creatorId) ?? null));
  presented.sort((a, b) => b.due - a.due || (a.creator_handle ?? '').localeCompare(b.creator_handle ?? '') || a.currency.localeCompare(b.currency));
  return { object: 'list' as const, data: presented };
}

/**
 * `POST /api/payouts`: records that the brand paid a creator everything due in one currency, up to
 * `due_through` when given (the balance's, as read): commission maturing since then is left for the
 * next payout, so the figure the brand saw stays payable. With `amount`, only if that is still what
 * is due, so a refund landing between reading a balance and paying it cannot be recorded as paid.
 * Two payouts from one balance collide on their sequence number: the second recomputes and finds
 * nothing due.
 */
export async function createPayout(deps: Deps, org: Org, scope: OrgScope, input: CreatePayoutInput) {
  const creator = await getCreator(deps, scope, input.creator, 'creator');
  const released = releasedBefore(deps, org);
  const through = input.due_through ?? released;
  for (let attempt = 0; attempt < PAYOUT_ATTEMPTS; attempt++) {
    const ledger = (await ledgers(deps, scope, through, { creatorId: creator.id, currency: input.currency })).get(ledgerKey(creator.id, input.currency));
    // A hold period lengthened after a payout leaves the balance due through that payout's end, later than `released`.
    const payable = ledger?.latest && ledger.latest.through > released ? ledger.latest.through : released;
    if (through > payable) {
      throw ApiError.invalid('commission_on_hold', `Conversions created from ${through.toISOString()} on are still in the ${org.payoutHoldDays}-day hold period; pass a due_through from a balance.`, 'due_through', 422);
    }
    const due = ledger ? ledger.earned - ledger.paid : 0;
    if (!ledger || due <= 0) {
      const owed = due < 0 ? ` (refunds after earlier payouts leave ${-due} to recover from later commission)` : '';
      throw ApiError.invalid('nothing_due', `Nothing is due to ${creator.handle} in ${input.currency}${owed}.`, 'creator', 422);
    }
    if (input.amount !== undefined && input.amount !== due) {
      throw ApiError.conflict('balance_changed', `${creator.handle} is due ${due}, not ${input.amount}, ${input.currency} minor units: check the balance again before paying.`, 'amount');
    }
    const payout: Payout = {
      ...scope,
      id: newId('po'),
      creatorId: creator.id,
      currency: input.currency,
      sequence: (ledger.latest?.sequence ?? 0) + 1,
      amount: due,
      through: ledger.dueThrough,
      periodStart: ledger.latest?.through ?? null,
      periodCommission: ledger.sinceLastPayout,
      reference: input.reference ?? null,
      createdAt: deps.now(),
    };
    try {
      await deps.store.payouts.insert({ ...payout, ...markCreated(await listens(deps, scope, 'payout.created')) });
    } catch (error) {
      if (error instanceof DuplicateKeyError) continue;
      throw error;
    }
    deps.logger.info({ payout: payout.id, creator: creator.id, amount: payout.amount, currency: payout.currency }, 'payout recorded');
    notifyPayoutRecorded(deps, org, payout, creator);
    return presentPayout(payout, creator);
  }
  throw ApiError.conflict('payout_conflict', `Other payouts to ${creator.handle} were being recorded at the same time; check the balance and try again.`, 'creator');
}

/** The conversions a payout's statement lists: the creator's new in its period, with commission in its currency. */
export function statementFilters(payout: Pick<ReturnType<typeof presentPayout>, 'creator' | 'period' | 'currency'>): ConversionFilters {
  const dateOf = (seconds: number | null) => (seconds === null ? undefined : new Date(seconds * 1000));
  return { creator: payout.creator, from: dateOf(payout.period.start), to: dateOf(payout.period.end), commission_currency: payout.currency };
}

/** `GET /api/payouts`: newest first, Stripe-style paging. */
export async function listPayouts(deps: Deps, scope: OrgScope, query: ListPayoutsQuery) {
  const creator = query.creator ? await getCreator(deps, scope, query.creator, 'creator') : null;
  const after = query.starting_after ? await deps.store.payouts.get(scope, query.starting_after) : undefined;
  if (after === null) throw ApiError.invalid('resource_missing', `No such payout: ${query.starting_after}`, 'starting_after');
  const found = await deps.store.payouts.page(scope, creator?.id, { limit: query.limit + 1, after });
  const page = found.slice(0, query.limit);
  const creators = await creatorsById(deps, scope, page);
  return { object: 'list' as const, data: page.map((payout) => presentPayout(payout, creators.get(payout.creatorId) ?? null)), has_more: found.length > query.limit };
}

export async function getPayout(deps: Deps, scope: OrgScope, id: string) {
  const payout = await deps.store.payouts.get(scope, id);
  if (!payout) throw ApiError.notFound('payout', 'id');
  return presentPayout(payout, await deps.store.creators.get(scope, payout.creatorId));
}
