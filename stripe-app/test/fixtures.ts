import type { AppAccess, CustomerAttribution, Overview, PaymentAttribution, Settings } from '../src/types';

/** What the server says of the view's user (usr_view): granted, or not yet. */
export const granted: AppAccess = { user_id: 'usr_view', granted: true, message: null };
export const notGranted: AppAccess = {
  user_id: 'usr_view',
  granted: false,
  message: 'usr_view may see but not change Shoutout for this account: changes need a grant. The operator grants it with `npm run shoutout -- app grant --org org_abc --user usr_view`.',
};

const figures = (revenue: number, commission: number, conversions = 1) => ({
  clicks: 40,
  signups: 6,
  conversions,
  revenue,
  discounts: 500,
  commission,
  refunds: 0,
  self_referrals: 0,
});

export const overview: Overview = {
  period: '30d',
  from: 1_761_100_000,
  to: 1_763_692_000,
  currency: 'usd',
  other_currencies: [],
  totals: figures(12_345, 1_234, 3),
  campaigns: [
    { id: 'cmp_summer', title: 'Summer drop', discount_type: 'percent_off', discount_value: 20, currency: null, figures: figures(12_345, 1_234, 3) },
  ],
  creators: [
    {
      id: 'cr_annie',
      handle: 'annie',
      name: 'Annie Lee',
      email: 'annie@creators.test',
      figures: figures(10_000, 1_000, 2),
      rewards: {
        points: 120,
        balances: [
          { unit: 'points', balance: 120, earned: 150, taken_back: 10, redeemed: 20 },
          { unit: 'usd', balance: 500, earned: 500, taken_back: 0, redeemed: 0 },
        ],
      },
      promo_codes: [
        { id: 'pc_annie', code: 'ANNIE20', active: true, campaign: 'cmp_summer', stripe_promotion_code_id: 'promo_1', share_url: 'https://brand.test/?infl=ANNIE20' },
        { id: 'pc_annie_old', code: 'ANNIEOLD', active: false, campaign: 'cmp_summer', stripe_promotion_code_id: 'promo_2', share_url: 'https://brand.test/?infl=ANNIEOLD' },
      ],
    },
    { id: 'cr_bob', handle: 'bob', name: 'bob', email: null, figures: figures(0, 0, 0), rewards: { points: 0, balances: [] }, promo_codes: [] },
  ],
  access: granted,
};

export const conversion = {
  id: 'conv_1',
  creator: 'cr_annie',
  creator_handle: 'annie',
  code: 'ANNIE20',
  source: 'promotion_code',
  status: 'credited' as const,
  amount: 4_900,
  currency: 'usd',
  commission: 490,
  commission_currency: 'usd',
  refunded: 0,
  created: 1_763_700_000,
};

export const customerAttribution: CustomerAttribution = {
  customer: 'cus_123',
  referral: conversion,
  signup_referral: { creator: 'cr_annie', creator_handle: 'annie', code: 'ANNIE20', source: 'customer', click: 'clk_1', referred_at: 1_763_500_000 },
  rewards: { points: 25, balances: [{ unit: 'points', balance: 25, earned: 25, taken_back: 0, redeemed: 0 }] },
  totals: [{ currency: 'usd', revenue: 9_800, commission: 980 }],
  conversions: [{ ...conversion, id: 'conv_2', created: 1_763_800_000 }, conversion],
};

export const paymentAttribution: PaymentAttribution = { payment: 'pi_123', conversion };

export const settings: Settings = {
  org: {
    id: 'org_abc',
    domains: ['brand.test', 'shop.brand.test'],
    attribution_window_days: 30,
    payout_hold_days: 30,
    referral_params: ['infl'],
    attribution_model: 'last_click',
    code_beats_link: true,
    name: 'Glow Skincare',
    brand_color: '#0f766e',
    email_first_conversion: true,
    email_payout_recorded: true,
  },
  api_keys: [
    { id: 'key_1', name: 'Production backend', redacted: 'so_live_…abcd', scopes: ['referrals'], created: 1_763_000_000, last_used: null, revoked: null },
    { id: 'key_2', name: 'Old key', redacted: 'so_live_…wxyz', scopes: ['admin'], created: 1_762_000_000, last_used: null, revoked: 1_763_100_000 },
  ],
  webhook_endpoints: [
    { id: 'we_1', url: 'https://crm.brand.test/hooks', description: null, enabled_events: ['conversion.created'], status: 'enabled', disabled_reason: null, failing_since: null, created: 1_763_000_000 },
    { id: 'we_2', url: 'https://old.brand.test/hooks', description: null, enabled_events: ['*'], status: 'disabled', disabled_reason: 'failing', failing_since: 1_762_000_000, created: 1_762_000_000 },
  ],
  pixel: [
    { domain: 'brand.test', allowed: true, last_seen: 1_763_700_000, page_url: 'https://brand.test/pricing' },
    { domain: 'shop.brand.test', allowed: true, last_seen: null, page_url: null },
  ],
  creator_email: { configured: true },
  access: granted,
};
