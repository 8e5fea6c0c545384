/**
 * The backend's wire shapes (server/src/app/), as the views read them. Written out here, not imported:
 * the uploaded app is built from stripe-app/ alone and cannot reach server code.
 */

export interface Figures {
  clicks: number;
  signups: number;
  conversions: number;
  revenue: number;
  discounts: number;
  commission: number;
  refunds: number;
  self_referrals: number;
}

export interface PromoCode {
  id: string;
  code: string;
  active: boolean;
  campaign: string;
  stripe_promotion_code_id: string | null;
  share_url: string | null;
}

export interface Campaign {
  id: string;
  title: string;
  discount_type: 'percent_off' | 'amount_off';
  discount_value: number;
  currency: string | null;
  figures: Figures;
}

/** A balance in one unit: `points`, or the currency of fixed-amount rewards (minor units). */
export interface RewardBalance {
  unit: string;
  balance: number;
  earned: number;
  taken_back: number;
  redeemed: number;
}

/** A participant's rewards, all-time: what is left to spend, per unit. */
export interface Rewards {
  points: number;
  balances: RewardBalance[];
}

export interface RewardRule {
  recipient: 'advocate' | 'friend';
  trigger: 'signup' | 'first_purchase' | 'purchase' | 'amount_spent';
  points?: number;
  amount?: number;
  currency?: string;
  per?: { amount: number; currency: string };
}

export interface Creator {
  id: string;
  handle: string;
  name: string;
  /** Where portal invitations go; creators without one cannot be invited. */
  email: string | null;
  figures: Figures;
  rewards: Rewards;
  promo_codes: PromoCode[];
}

/** Whether the server lets this Dashboard user change things (`access` on the overview and settings). */
export interface AppAccess {
  user_id: string;
  granted: boolean;
  /** Why not, naming the user and the command that grants them; null when granted. */
  message: string | null;
}

export interface Overview {
  period: string;
  /** The period, as unix seconds: `[from, to)`. */
  from: number;
  to: number;
  currency: string | null;
  /** Conversions the figures leave out, being in another currency than `currency`. */
  /** What the figures leave out: sales in other currencies, and commission owed in them (a fixed commission's own currency). */
  other_currencies: { currency: string; conversions: number; commission: number }[];
  totals: Figures;
  campaigns: Campaign[];
  creators: Creator[];
  access: AppAccess;
}

export interface Conversion {
  id: string;
  creator: string;
  creator_handle: string | null;
  code: string | null;
  source: string;
  status: 'credited' | 'partially_refunded' | 'refunded' | 'flagged';
  amount: number;
  currency: string;
  commission: number;
  /** A fixed commission's own currency, else the sale's. */
  commission_currency: string;
  refunded: number;
  created: number;
}

/** A page of conversions, newest first, and a short-lived path on the backend to all of them as CSV. */
export interface ConversionList {
  data: Conversion[];
  has_more: boolean;
  download_path: string;
}

/** What one creator is owed in one currency, in minor units. */
export interface Balance {
  creator: string;
  creator_handle: string | null;
  currency: string;
  /** Past the hold period, less every payout; negative when refunds after a payout took back more. */
  due: number;
  pending: number;
  paid: number;
  /** Conversions created before this (unix seconds) are in `due`; a payout recorded from this balance covers exactly them. */
  due_through: number;
}

export interface BalanceList {
  data: Balance[];
  payout_hold_days: number;
}

/** A payment the brand recorded as made to a creator, with a short-lived path to its statement (CSV). */
export interface PayoutRecord {
  id: string;
  creator: string;
  creator_handle: string | null;
  currency: string;
  amount: number;
  /** The conversions new in this payout were created in `[start, end)`; `start` is null for a creator's first. */
  period: { start: number | null; end: number };
  /** Refunds of earlier periods' sales (negative) and sales that reached them late. */
  adjustments: number;
  reference: string | null;
  created: number;
  statement_path: string;
}

export interface PayoutList {
  data: PayoutRecord[];
  has_more: boolean;
}

/** The referral bound when the brand's user signed up (identify), before or without any purchase. */
export interface SignupReferral {
  creator: string;
  creator_handle: string | null;
  code: string;
  source: 'customer';
  click: string | null;
  referred_at: number;
}

export interface CustomerAttribution {
  customer: string;
  referral: Conversion | null;
  signup_referral: SignupReferral | null;
  /** The customer's own rewards as a referred friend; null when Shoutout does not know which of your users they are. */
  rewards: Rewards | null;
  totals: { currency: string; revenue: number; commission: number }[];
  conversions: Conversion[];
}

export interface PaymentAttribution {
  payment: string;
  conversion: Conversion | null;
}

export interface ApiKey {
  id: string;
  name: string;
  redacted: string;
  scopes: string[];
  secret?: string;
  created: number;
  last_used: number | null;
  revoked: number | null;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  enabled_events: string[];
  status: 'enabled' | 'disabled';
  disabled_reason: 'brand' | 'failing' | null;
  failing_since: number | null;
  secret?: string;
  created: number;
}

export interface Settings {
  org: {
    id: string;
    domains: string[];
    attribution_window_days: number;
    payout_hold_days: number;
    referral_params: string[];
    attribution_model: 'last_click' | 'first_click';
    code_beats_link: boolean;
    /** The brand's name and accent colour on the creator portal and in creator emails. */
    name: string;
    brand_color: string;
    email_first_conversion: boolean;
    email_payout_recorded: boolean;
  };
  api_keys: ApiKey[];
  webhook_endpoints: WebhookEndpoint[];
  pixel: { domain: string; allowed: boolean; last_seen: number | null; page_url: string | null }[];
  /** Whether the server can send creator emails and portal invitations (SMTP_URL and EMAIL_FROM). */
  creator_email: { configured: boolean };
  access: AppAccess;
}

export interface CouponBank {
  id: string;
  name: string;
  campaign: string;
  /** Every code uploaded, and those still to hand out to advocates. */
  codes: number;
  remaining: number;
}

export interface CouponBankList {
  data: CouponBank[];
}

export interface CodeUpload {
  coupon_bank: CouponBank;
  results: { code: string; status: 'created' | 'adopted' | 'unchanged' | 'failed'; error?: { message: string } }[];
}

export interface CreatorImport {
  dry_run: boolean;
  created: number;
  code_added: number;
  unchanged: number;
  failed: number;
  rows: { row: number; handle: string | null; status: string; code: string | null; error?: { message: string; param?: string } }[];
}
