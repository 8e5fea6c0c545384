import { createHash, randomInt } from 'node:crypto';
import { presentPromoCode } from '../catalog/present';
import type { Creator, PromoCode } from '../catalog/repo';
import { createCreator, getCampaign, placeCode } from '../catalog/service';
import { shareUrl } from '../app/service';
import { newId } from '../crypto';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import type { Org, OrgScope } from '../orgs/repo';
import { presentCouponBank } from './present';
import type { CouponBank } from './repo';
import type { AssignReferralCodeInput, CouponBankResponse, CreateCouponBankInput, ReferralCodeResponse, UploadCodesInput, UploadCodesResponse, UploadOutcome } from './schemas';

export async function createCouponBank(deps: Deps, scope: OrgScope, input: CreateCouponBankInput): Promise<CouponBank> {
  const campaign = await getCampaign(deps, scope, input.campaign);
  const bank: CouponBank = { ...scope, id: newId('cbk'), campaignId: campaign.id, name: input.name, createdAt: deps.now() };
  await deps.store.couponBanks.create(bank);
  return bank;
}

export async function getCouponBank(deps: Deps, scope: OrgScope, id: string, param = 'id'): Promise<CouponBank> {
  const bank = await deps.store.couponBanks.get(scope, id);
  if (!bank) throw ApiError.notFound('coupon bank', param);
  return bank;
}

/** The bank as the API shows it, with how many of its codes are left to hand out. */
export async function presentBank(deps: Deps, scope: OrgScope, bank: CouponBank): Promise<CouponBankResponse> {
  return presentCouponBank(bank, await deps.store.promoCodes.countInBank(scope, bank.id));
}

/**
 * Puts each code on Stripe (created, or adopted when the brand already has it as a promotion code of
 * the campaign's coupon) and in the bank. Each code stands alone: one Stripe refuses is reported and
 * the others go in. A code already in this bank is left as it is, so an upload can be run again.
 */
export async function uploadCodes(deps: Deps, scope: OrgScope, bank: CouponBank, input: UploadCodesInput): Promise<UploadCodesResponse> {
  const results: UploadOutcome[] = [];
  for (const entry of input.codes) {
    const { code, restrictions } = typeof entry === 'string' ? { code: entry, restrictions: undefined } : entry;
    const existing = await deps.store.promoCodes.getByCode(scope, code);
    if (existing?.bankId === bank.id) {
      results.push({ code, status: 'unchanged', promo_code: existing.id });
      continue;
    }
    try {
      // Read for each code: the first one gives the campaign its coupon, and the rest must use it.
      const campaign = await getCampaign(deps, scope, bank.campaignId);
      const placed = await placeCode(deps, scope, { code, creatorId: null, campaign, bankId: bank.id, restrictions });
      results.push({ code, status: placed.adopted ? 'adopted' : 'created', promo_code: placed.id });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status >= 500) throw error;
      results.push({ code, status: 'failed', error: { code: error.code, message: error.message, ...(error.param && { param: error.param }) } });
    }
  }
  return { object: 'coupon_bank_upload', coupon_bank: await presentBank(deps, scope, bank), results };
}

// Enough candidates that concurrent draws rarely want the same one, few enough to read cheaply.
const DRAW_SIZE = 20;

/**
 * A random unused code of the bank, now the creator's. Each claim is one conditional update that
 * succeeds only while the code is unassigned, so two draws never get the same code.
 */
async function drawFromBank(deps: Deps, scope: OrgScope, bank: CouponBank, creatorId: string): Promise<PromoCode> {
  for (;;) {
    const candidates = await deps.store.promoCodes.unassigned(scope, bank.id, DRAW_SIZE);
    if (!candidates.length) {
      throw ApiError.conflict('coupon_bank_empty', `The coupon bank ${bank.id} has no unused codes left: upload more to it.`, 'coupon_bank_id');
    }
    for (let index = candidates.length - 1; index > 0; index--) {
      const other = randomInt(index + 1);
      [candidates[index], candidates[other]] = [candidates[other], candidates[index]];
    }
    for (const candidate of candidates) {
      const claimed = await deps.store.promoCodes.claim(scope, candidate.id, creatorId, deps.now());
      if (claimed) return claimed;
    }
  }
}

const HANDLE = /^[a-z0-9_.-]{1,40}$/;

/**
 * The creator the brand knows as this customer: found by its customer id, else by email, else made.
 * A new creator's handle comes from the customer (its id when that makes a handle), so that two
 * requests for one new customer meet on the handle's unique index instead of making two creators.
 */
async function advocateFor(deps: Deps, scope: OrgScope, customer: AssignReferralCodeInput['customer']): Promise<{ creator: Creator; created: boolean }> {
  const [found] = customer.id
    ? await deps.store.creators.list(scope, { customerId: customer.id })
    : await deps.store.creators.list(scope, { email: customer.email! });
  if (found) return { creator: found, created: false };
  const key = customer.id ?? customer.email!;
  const handle = HANDLE.test(key.toLowerCase()) ? key.toLowerCase() : `adv-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
  try {
    const creator = await createCreator(deps, scope, {
      handle,
      email: customer.email,
      customer_id: customer.id,
      first_name: customer.first_name,
      last_name: customer.last_name,
    });
    return { creator, created: true };
  } catch (error) {
    const same = await deps.store.creators.getByHandle(scope, handle);
    if (same && (same.customerId ?? same.email) === key) return { creator: same, created: false };
    if (error instanceof ApiError && error.code === 'creator_exists') {
      throw ApiError.conflict('creator_exists', `Another creator already has the handle "${handle}" this customer would get.`, customer.id ? 'customer.id' : 'customer.email');
    }
    throw error;
  }
}

/**
 * Seed 002: hands the advocate a code — a random unused one of the bank, or the brand's own code
 * (`coupon_code`, created on Stripe or adopted). Asking again for the same advocate answers with the
 * code they already have.
 */
export async function assignReferralCode(deps: Deps, org: Org, scope: OrgScope, input: AssignReferralCodeInput): Promise<{ created: boolean; body: ReferralCodeResponse }> {
  const campaign = await getCampaign(deps, scope, input.campaign, 'campaign.id');
  const bank = input.coupon_bank_id ? await getCouponBank(deps, scope, input.coupon_bank_id, 'coupon_bank_id') : null;
  if (bank && bank.campaignId !== campaign.id) {
    throw ApiError.invalid('coupon_bank_campaign_mismatch', `The coupon bank ${bank.id} belongs to another campaign.`, 'coupon_bank_id');
  }
  const { creator, created } = await advocateFor(deps, scope, input.customer);
  const held = (await deps.store.promoCodes.list(scope, { creatorId: creator.id, campaignId: campaign.id })).filter((code) =>
    bank ? code.bankId === bank.id : code.code === input.coupon_code,
  );
  let promoCode = held[0];
  const isNew = !promoCode;
  try {
    promoCode ??= bank ? await keepOne(deps, scope, bank, creator.id) : await attachCode(deps, scope, campaign.id, creator.id, input.coupon_code!);
  } catch (error) {
    // Nothing to hand out: the advocate made for this request goes again.
    if (created) await deps.store.creators.remove(scope, creator.id);
    throw error;
  }
  return {
    created: isNew,
    body: {
      object: 'referral_code',
      referral_code: promoCode.code,
      coupon_code: promoCode.code,
      share_url: shareUrl(org, promoCode.code),
      campaign: campaign.id,
      coupon_bank: promoCode.bankId ?? null,
      creator: creator.id,
      customer: { id: creator.customerId ?? null, first_name: creator.firstName ?? null, last_name: creator.lastName ?? null, email: creator.email },
      promo_code: presentPromoCode(promoCode),
    },
  };
}

/**
 * Draws a code, then makes sure the advocate holds only one of this bank: two requests for the same
 * advocate at once may each draw one, and both then keep the same one (the lowest id) and put the other back.
 */
async function keepOne(deps: Deps, scope: OrgScope, bank: CouponBank, creatorId: string): Promise<PromoCode> {
  const drawn = await drawFromBank(deps, scope, bank, creatorId);
  const held = (await deps.store.promoCodes.list(scope, { creatorId })).filter((code) => code.bankId === bank.id);
  const kept = held.reduce((lowest, code) => (code.id < lowest.id ? code : lowest), drawn);
  if (kept.id !== drawn.id) await deps.store.promoCodes.release(scope, drawn.id, creatorId, deps.now());
  return kept;
}

/** The brand's own code for the advocate: a banked code still unassigned is claimed; any other is created on Stripe or adopted. */
async function attachCode(deps: Deps, scope: OrgScope, campaignId: string, creatorId: string, code: string): Promise<PromoCode> {
  const existing = await deps.store.promoCodes.getByCode(scope, code);
  if (!existing) return placeCode(deps, scope, { code, creatorId, campaign: await getCampaign(deps, scope, campaignId) });
  const claimed =
    existing.campaignId === campaignId && existing.bankId && !existing.creatorId
      ? await deps.store.promoCodes.claim(scope, existing.id, creatorId, deps.now())
      : null;
  if (!claimed) throw ApiError.conflict('promo_code_exists', `The code ${code} is already in use.`, 'coupon_code');
  return claimed;
}
