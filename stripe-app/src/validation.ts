/**
 * The backend's rules (server/src/catalog/schemas.ts), checked before sending so the form can point
 * at the field at once; the backend checks again and its message wins when it disagrees.
 */
export type FieldErrors<K extends string> = Partial<Record<K, string>>;

export const HANDLE = /^[a-z0-9_.-]{1,40}$/;
export const CODE = /^[A-Z0-9_-]{3,40}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface CreatorForm {
  handle: string;
  name: string;
  email: string;
  campaign: string;
  code: string;
}

export function validateCreatorForm(form: CreatorForm): FieldErrors<keyof CreatorForm> {
  const errors: FieldErrors<keyof CreatorForm> = {};
  const handle = form.handle.trim().toLowerCase();
  if (!handle) errors.handle = 'Enter the creator’s handle.';
  else if (!HANDLE.test(handle)) errors.handle = 'Use 1–40 letters, digits, _, . or -.';
  if (form.name.trim().length > 120) errors.name = 'Use at most 120 characters.';
  if (form.email.trim() && !EMAIL.test(form.email.trim())) errors.email = 'Enter an email address such as annie@example.com.';
  if (!form.campaign) errors.campaign = 'Choose a campaign.';
  const code = form.code.trim().toUpperCase();
  if (!code) errors.code = 'Enter the promo code customers will type.';
  else if (!CODE.test(code)) errors.code = 'Use 3–40 letters, digits, _ or -.';
  return errors;
}

export interface CampaignForm {
  title: string;
  percentOff: string;
  commissionPercent: string;
}

const percent = (value: string) => (/^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN);

export function validateCampaignForm(form: CampaignForm): FieldErrors<keyof CampaignForm> {
  const errors: FieldErrors<keyof CampaignForm> = {};
  if (!form.title.trim()) errors.title = 'Enter a title.';
  else if (form.title.trim().length > 120) errors.title = 'Use at most 120 characters.';
  const off = percent(form.percentOff);
  if (!(off > 0 && off <= 100)) errors.percentOff = 'Enter a discount between 1 and 100 percent.';
  const commission = percent(form.commissionPercent);
  if (!(commission >= 0 && commission <= 100)) errors.commissionPercent = 'Enter a commission between 0 and 100 percent.';
  return errors;
}

/** One reward rule of the campaign form; amounts in main units of `currency`, as a brand types them. */
export interface RewardRuleForm {
  recipient: 'advocate' | 'friend';
  trigger: 'signup' | 'first_purchase' | 'purchase' | 'amount_spent';
  kind: 'points' | 'amount';
  value: string;
  currency: string;
  /** amount_spent only: the reward is earned for each of these spent. */
  perAmount: string;
}

export const EMPTY_REWARD_RULE: RewardRuleForm = { recipient: 'advocate', trigger: 'purchase', kind: 'points', value: '', currency: '', perAmount: '' };

/** A currency is asked for with a fixed amount, and for what is spent per reward. */
export const needsCurrency = (rule: RewardRuleForm) => rule.kind === 'amount' || rule.trigger === 'amount_spent';

const POSITIVE_MAIN_UNITS = /^\d+(\.\d{1,3})?$/;

export function validateRewardRule(rule: RewardRuleForm): FieldErrors<keyof RewardRuleForm> {
  const errors: FieldErrors<keyof RewardRuleForm> = {};
  if (rule.kind === 'points') {
    if (!/^\d+$/.test(rule.value.trim()) || Number(rule.value) < 1) errors.value = 'Enter a whole number of points, 1 or more.';
  } else if (!POSITIVE_MAIN_UNITS.test(rule.value.trim()) || Number(rule.value) <= 0) errors.value = 'Enter an amount such as 5 or 2.50.';
  if (needsCurrency(rule) && !/^[a-z]{3}$/i.test(rule.currency.trim())) errors.currency = 'Enter a three-letter currency such as usd.';
  if (rule.trigger === 'amount_spent' && (!POSITIVE_MAIN_UNITS.test(rule.perAmount.trim()) || Number(rule.perAmount) <= 0)) {
    errors.perAmount = 'Enter how much is spent per reward, such as 10.';
  }
  return errors;
}

export const hasErrors = (errors: object) => Object.keys(errors).length > 0;

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const PARAM = /^[A-Za-z0-9_-]{1,32}$/;

export interface SettingsForm {
  domains: string;
  windowDays: string;
  holdDays: string;
  referralParams: string;
  model: 'last_click' | 'first_click';
  codeBeatsLink: boolean;
  brandName: string;
  brandColor: string;
  emailFirstConversion: boolean;
  emailPayoutRecorded: boolean;
}

const COLOR = /^#[0-9a-f]{6}$/i;

/** Domains one per line (or comma-separated); a pasted URL is reduced to its hostname, as the backend does. */
export const splitList = (value: string) =>
  value
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean);
export const toHostname = (value: string) => value.toLowerCase().replace(/^https?:\/\//, '').replace(/\/.*$/, '');

export function validateSettingsForm(form: SettingsForm): FieldErrors<keyof SettingsForm> {
  const errors: FieldErrors<keyof SettingsForm> = {};
  const badDomain = splitList(form.domains).map(toHostname).find((domain) => !HOSTNAME.test(domain));
  if (badDomain !== undefined) errors.domains = `${badDomain} is not a hostname such as brand.com.`;
  const days = Number(form.windowDays);
  if (!/^\d+$/.test(form.windowDays.trim()) || days < 1 || days > 365) errors.windowDays = 'Enter a whole number of days from 1 to 365.';
  const hold = Number(form.holdDays);
  if (!/^\d+$/.test(form.holdDays.trim()) || hold > 365) errors.holdDays = 'Enter a whole number of days from 0 to 365.';
  const params = splitList(form.referralParams);
  if (params.length === 0) errors.referralParams = 'Enter at least one parameter, such as infl.';
  else if (params.length > 10) errors.referralParams = 'Use at most 10 parameters.';
  else if (params.some((param) => !PARAM.test(param))) errors.referralParams = 'Use 1–32 letters, digits, _ or - per parameter.';
  const name = form.brandName.trim();
  if (!name) errors.brandName = 'Enter the name creators know you by.';
  else if (name.length > 120) errors.brandName = 'Use at most 120 characters.';
  if (!COLOR.test(form.brandColor.trim())) errors.brandColor = 'Enter a colour such as #4f46e5.';
  return errors;
}
