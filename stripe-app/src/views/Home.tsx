import type { ExtensionContextValue } from '@stripe/ui-extension-sdk/context';
import {
  Badge,
  Banner,
  BarChart,
  Box,
  Button,
  ContextView,
  Divider,
  FocusView,
  Inline,
  Select,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeaderCell,
  TableRow,
  TextField,
} from '@stripe/ui-extension-sdk/ui';
import { clipboardWriteText, showToast } from '@stripe/ui-extension-sdk/utils';
import { useCallback, useState } from 'react';
import { type Api, type BackendError, asBackendError, useApi } from '../api';
import { AccessNotice, Empty, ErrorBanner, Loading } from '../components';
import { ConversionsView } from '../ConversionsView';
import { CouponBanksView } from '../CouponBanksView';
import { PayoutsView } from '../PayoutsView';
import { describeRewards, formatMoney, formatNumber, toMajorUnits, toMinorUnits, userLocale } from '../format';
import { accessOf } from '../roles';
import type { Campaign, Creator, Figures, Overview, PromoCode, RewardRule } from '../types';
import { useResource } from '../useResource';
import { useForm } from '../useForm';
import {
  type CampaignForm,
  type CreatorForm,
  EMPTY_REWARD_RULE,
  type FieldErrors,
  hasErrors,
  needsCurrency,
  type RewardRuleForm,
  validateCampaignForm,
  validateCreatorForm,
  validateRewardRule,
} from '../validation';

const PERIODS = [
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: '90d', label: 'Last 90 days' },
  { value: '365d', label: 'Last 12 months' },
];

/** The drawer: how each campaign and creator performs, and the everyday actions on creators and codes. */
const Home = (context: ExtensionContextValue) => {
  const { api, base, error: configError } = useApi(context);
  const [period, setPeriod] = useState('30d');
  const load = useCallback((client: Api) => client.get<Overview>('overview', { period }), [period]);
  const { resource, reload } = useResource(api, load);
  const locale = userLocale(context);
  const overview = resource.status === 'ready' ? resource.data : null;
  const { canManage, notice } = accessOf(context, overview?.access);
  const [actionError, setActionError] = useState<BackendError | null>(null);
  const [creatorFormShown, setCreatorFormShown] = useState(false);
  const [campaignFormShown, setCampaignFormShown] = useState(false);
  const [busyCode, setBusyCode] = useState<string | null>(null);
  // Whose conversions are open: a creator, everyone (null), or none (undefined).
  const [conversionsOf, setConversionsOf] = useState<Creator | null | undefined>(undefined);
  const [payoutsShown, setPayoutsShown] = useState(false);
  const [banksShown, setBanksShown] = useState(false);

  const setCodeActive = async (promoCode: PromoCode, active: boolean) => {
    if (!api) return;
    setBusyCode(promoCode.id);
    setActionError(null);
    try {
      await api.patch(`promo_codes/${encodeURIComponent(promoCode.id)}`, { active });
      showToast(`${promoCode.code} ${active ? 'reactivated' : 'deactivated'}`, { type: 'success' });
      reload();
    } catch (error) {
      setActionError(asBackendError(error));
    } finally {
      setBusyCode(null);
    }
  };

  const invite = async (creator: Creator) => {
    if (!api) return;
    setBusyCode(creator.id);
    setActionError(null);
    try {
      await api.post(`creators/${encodeURIComponent(creator.id)}/invitation`, {});
      showToast(`Invitation sent to ${creator.email}`, { type: 'success' });
    } catch (error) {
      setActionError(asBackendError(error));
    } finally {
      setBusyCode(null);
    }
  };

  const copyLink = async (promoCode: PromoCode) => {
    if (!promoCode.share_url) return;
    await clipboardWriteText(promoCode.share_url);
    showToast('Share link copied', { type: 'success' });
  };

  return (
    <ContextView
      title="Creator referrals"
      description={context.environment.mode === 'test' ? 'Test mode data' : undefined}
      actions={
        canManage && overview && overview.campaigns.length > 0 ? (
          <>
            <Button type="primary" onPress={() => setCreatorFormShown(true)}>
              Add creator
            </Button>
            <Button onPress={() => setCampaignFormShown(true)}>New campaign</Button>
            <Button onPress={() => setBanksShown(true)}>Coupon banks and imports</Button>
          </>
        ) : undefined
      }
    >
      <Box css={{ stack: 'y', gap: 'medium' }}>
        <AccessNotice notice={notice} />
        {actionError && <Banner type="critical" title="That did not work" description={actionError.message} onDismiss={() => setActionError(null)} />}
        <Select label="Period" name="period" value={period} onChange={(event) => setPeriod(event.target.value)}>
          {PERIODS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </Select>
        {configError ? (
          <ErrorBanner error={configError} />
        ) : resource.status === 'loading' ? (
          <Loading label="Loading campaigns and creators…" />
        ) : resource.status === 'error' ? (
          <ErrorBanner error={resource.error} onRetry={reload} />
        ) : resource.data.campaigns.length === 0 ? (
          <Empty title="No campaigns yet">
            <Box css={{ stack: 'y', gap: 'small' }}>
              A campaign sets the discount customers get and the commission creators earn. Create one, then add creators with their codes.
              {canManage && (
                <Button type="primary" onPress={() => setCampaignFormShown(true)}>
                  Create a campaign
                </Button>
              )}
            </Box>
          </Empty>
        ) : (
          <OverviewBody
            overview={resource.data}
            locale={locale}
            busyCode={busyCode}
            onSetActive={canManage ? setCodeActive : undefined}
            onInvite={canManage ? invite : undefined}
            onCopy={copyLink}
            onAddCreator={canManage ? () => setCreatorFormShown(true) : undefined}
            onShowConversions={setConversionsOf}
            onShowPayouts={() => setPayoutsShown(true)}
          />
        )}
      </Box>
      {api && overview && (
        <CreatorFormView
          // Remounted when the first campaign appears, so the form defaults to it.
          key={overview.campaigns[0]?.id ?? 'no-campaign'}
          api={api}
          campaigns={overview.campaigns}
          shown={creatorFormShown}
          setShown={setCreatorFormShown}
          onCreated={reload}
        />
      )}
      {api && <CampaignFormView api={api} shown={campaignFormShown} setShown={setCampaignFormShown} onCreated={reload} />}
      {api && base && overview && conversionsOf !== undefined && (
        <ConversionsView
          key={`${conversionsOf?.id ?? 'all'}:${overview.from}:${overview.to}`}
          api={api}
          base={base}
          creator={conversionsOf}
          overview={overview}
          locale={locale}
          onClose={() => setConversionsOf(undefined)}
        />
      )}
      {api && overview && banksShown && (
        <CouponBanksView api={api} campaigns={overview.campaigns} onClose={() => setBanksShown(false)} onImported={reload} />
      )}
      {api && base && payoutsShown && <PayoutsView api={api} base={base} locale={locale} canRecord={canManage} onClose={() => setPayoutsShown(false)} />}
    </ContextView>
  );
};

/** Revenue as the brand keeps it: what was paid, less what was refunded since. */
const netRevenue = (figures: Figures) => figures.revenue - figures.refunds;

function FigureLine({ figures, currency, locale }: { figures: Figures; currency: string | null; locale: string }) {
  return (
    <Box css={{ color: 'secondary', font: 'caption' }}>
      {formatNumber(figures.clicks, locale)} clicks · {formatNumber(figures.signups, locale)} signups · {formatNumber(figures.conversions, locale)} conversions ·{' '}
      {formatMoney(netRevenue(figures), currency, locale)} revenue · {formatMoney(figures.commission, currency, locale)} commission
      {figures.refunds > 0 && ` · ${formatMoney(figures.refunds, currency, locale)} refunded`}
      {figures.self_referrals > 0 && ` · ${formatNumber(figures.self_referrals, locale)} self-referrals left out`}
    </Box>
  );
}

function OverviewBody({
  overview,
  locale,
  busyCode,
  onSetActive,
  onInvite,
  onCopy,
  onAddCreator,
  onShowConversions,
  onShowPayouts,
}: {
  overview: Overview;
  locale: string;
  busyCode: string | null;
  /** Absent, with onAddCreator, for a user whose Dashboard role may not change the program. */
  onSetActive?: (promoCode: PromoCode, active: boolean) => void;
  onInvite?: (creator: Creator) => void;
  onCopy: (promoCode: PromoCode) => void;
  onAddCreator?: () => void;
  onShowConversions: (creator: Creator | null) => void;
  onShowPayouts: () => void;
}) {
  const { totals, currency } = overview;
  const earning = overview.creators.filter((creator) => netRevenue(creator.figures) > 0 || creator.figures.commission > 0);
  const chart = earning.flatMap((creator) => [
    { creator: `@${creator.handle}`, amount: toMajorUnits(netRevenue(creator.figures), currency), kind: 'Revenue' },
    { creator: `@${creator.handle}`, amount: toMajorUnits(creator.figures.commission, currency), kind: 'Commission' },
  ]);
  return (
    <Box css={{ stack: 'y', gap: 'large' }}>
      <Box css={{ stack: 'y', gap: 'small' }}>
        <Box css={{ font: 'heading' }}>All campaigns</Box>
        <Inline css={{ font: 'title' }}>{formatMoney(netRevenue(totals), currency, locale)}</Inline>
        <FigureLine figures={totals} currency={currency} locale={locale} />
        {overview.other_currencies.length > 0 && (
          <Banner
            title="Other currencies are not in these figures"
            description={`Figures are in ${currency?.toUpperCase()}; left out: ${overview.other_currencies
              .flatMap((other) => [
                ...(other.conversions ? [`${formatNumber(other.conversions, locale)} conversions in ${other.currency.toUpperCase()}`] : []),
                ...(other.commission ? [`${formatMoney(other.commission, other.currency, locale)} commission`] : []),
              ])
              .join(', ')}.`}
          />
        )}
        {chart.length > 0 && <BarChart data={chart} x="creator" y="amount" color="kind" axis="y" legend tooltip />}
        <Inline css={{ gap: 'small' }}>
          <Button size="small" onPress={() => onShowConversions(null)}>
            View conversions
          </Button>
          <Button size="small" onPress={onShowPayouts}>
            Payouts
          </Button>
        </Inline>
      </Box>
      <Divider />
      <Box css={{ stack: 'y', gap: 'small' }}>
        <Box css={{ font: 'heading' }}>Campaigns</Box>
        <CampaignTable campaigns={overview.campaigns} currency={currency} locale={locale} />
      </Box>
      <Divider />
      <Box css={{ stack: 'y', gap: 'medium' }}>
        <Box css={{ font: 'heading' }}>Creators</Box>
        {overview.creators.length === 0 ? (
          <Empty title="No creators yet">
            <Box css={{ stack: 'y', gap: 'small' }}>
              Add a creator with their own promo code; they share it or their link, and you see what it brings in here.
              {onAddCreator && (
                <Button type="primary" onPress={onAddCreator}>
                  Add a creator
                </Button>
              )}
            </Box>
          </Empty>
        ) : (
          overview.creators.map((creator) => (
            <CreatorCard
              key={creator.id}
              creator={creator}
              currency={currency}
              locale={locale}
              busyCode={busyCode}
              onSetActive={onSetActive}
              onInvite={onInvite && (() => onInvite(creator))}
              onCopy={onCopy}
              onShowConversions={() => onShowConversions(creator)}
            />
          ))
        )}
      </Box>
    </Box>
  );
}

function CampaignTable({ campaigns, currency, locale }: { campaigns: Campaign[]; currency: string | null; locale: string }) {
  return (
    <Table>
      <TableHead>
        <TableRow>
          <TableHeaderCell>Campaign</TableHeaderCell>
          <TableHeaderCell align="right">Conversions</TableHeaderCell>
          <TableHeaderCell align="right">Revenue</TableHeaderCell>
          <TableHeaderCell align="right">Commission</TableHeaderCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {campaigns.map((campaign) => (
          <TableRow key={campaign.id}>
            <TableCell>{campaign.title}</TableCell>
            <TableCell align="right">{formatNumber(campaign.figures.conversions, locale)}</TableCell>
            <TableCell align="right">{formatMoney(netRevenue(campaign.figures), currency, locale)}</TableCell>
            <TableCell align="right">{formatMoney(campaign.figures.commission, currency, locale)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function CreatorCard({
  creator,
  currency,
  locale,
  busyCode,
  onSetActive,
  onInvite,
  onCopy,
  onShowConversions,
}: {
  creator: Creator;
  currency: string | null;
  locale: string;
  busyCode: string | null;
  onSetActive?: (promoCode: PromoCode, active: boolean) => void;
  /** Emails the creator a sign-in link to their portal page; only for creators with an email. */
  onInvite?: () => void;
  onCopy: (promoCode: PromoCode) => void;
  onShowConversions: () => void;
}) {
  return (
    <Box css={{ stack: 'y', gap: 'xsmall', padding: 'small', borderRadius: 'medium', keyline: 'neutral' }}>
      <Inline css={{ gap: 'small', alignY: 'center' }}>
        <Inline css={{ font: 'bodyEmphasized' }}>
          {creator.name} (@{creator.handle})
        </Inline>
        <Button size="small" onPress={onShowConversions}>
          Conversions
        </Button>
        {onInvite && creator.email && (
          <Button size="small" pending={busyCode === creator.id} onPress={onInvite}>
            Invite to portal
          </Button>
        )}
      </Inline>
      <FigureLine figures={creator.figures} currency={currency} locale={locale} />
      {creator.rewards.balances.length > 0 && (
        <Box css={{ color: 'secondary', font: 'caption' }}>Rewards to spend: {describeRewards(creator.rewards, locale)}</Box>
      )}
      {creator.promo_codes.map((promoCode) => (
        <Inline key={promoCode.id} css={{ gap: 'small', alignY: 'center' }}>
          <Inline css={{ font: 'bodyEmphasized' }}>{promoCode.code}</Inline>
          <Badge type={promoCode.active ? 'positive' : 'neutral'}>{promoCode.active ? 'Active' : 'Inactive'}</Badge>
          {onSetActive && (
            <Button size="small" pending={busyCode === promoCode.id} onPress={() => onSetActive(promoCode, !promoCode.active)}>
              {promoCode.active ? 'Deactivate' : 'Reactivate'}
            </Button>
          )}
          <Button size="small" disabled={!promoCode.share_url} onPress={() => onCopy(promoCode)}>
            Copy link
          </Button>
        </Inline>
      ))}
      {creator.promo_codes.some((promoCode) => !promoCode.share_url) && (
        <Box css={{ color: 'secondary', font: 'caption' }}>Add an allowed domain in the app settings to get share links.</Box>
      )}
    </Box>
  );
}

const EMPTY_CREATOR: CreatorForm = { handle: '', name: '', email: '', campaign: '', code: '' };
const creatorField = (param: string) => (param in EMPTY_CREATOR ? (param as keyof CreatorForm) : undefined);

function CreatorFormView({
  api,
  campaigns,
  shown,
  setShown,
  onCreated,
}: {
  api: Api;
  campaigns: Campaign[];
  shown: boolean;
  setShown: (shown: boolean) => void;
  onCreated: () => void;
}) {
  const { setForm, field, submit, formError, pending } = useForm<CreatorForm>(
    { ...EMPTY_CREATOR, campaign: campaigns[0]?.id ?? '' },
    validateCreatorForm,
    creatorField,
  );

  const create = async () => {
    const created = await submit(async (form) => {
      const body = {
        handle: form.handle.trim().toLowerCase(),
        code: form.code.trim().toUpperCase(),
        campaign: form.campaign,
        ...(form.name.trim() && { name: form.name.trim() }),
        ...(form.email.trim() && { email: form.email.trim() }),
      };
      await api.post('creators', body);
      showToast(`Added @${body.handle} with ${body.code}`, { type: 'success' });
    });
    if (!created) return;
    setForm((form) => ({ ...EMPTY_CREATOR, campaign: form.campaign }));
    setShown(false);
    onCreated();
  };

  return (
    <FocusView
      title="Add a creator"
      shown={shown}
      setShown={setShown}
      primaryAction={
        <Button type="primary" pending={pending} onPress={create}>
          Create creator and code
        </Button>
      }
      secondaryAction={<Button onPress={() => setShown(false)}>Cancel</Button>}
    >
      <Box css={{ stack: 'y', gap: 'medium' }}>
        {formError && <Banner type="critical" title="The creator was not created" description={formError} />}
        <TextField
          label="Handle"
          placeholder="annie"
          description="Lower-case. An existing creator’s handle gives that creator this code too; their name and email stay as they are."
          {...field('handle')}
        />
        <TextField label="Name (optional)" placeholder="Annie Lee" {...field('name')} />
        <TextField label="Email (optional)" type="email" description="Used to spot creators buying through their own code." {...field('email')} />
        <Select label="Campaign" {...field('campaign')}>
          {campaigns.map((campaign) => (
            <option key={campaign.id} value={campaign.id}>
              {campaign.title}
            </option>
          ))}
        </Select>
        <TextField label="Promo code" placeholder="ANNIE20" description="Created as a promotion code on your Stripe account." {...field('code')} />
      </Box>
    </FocusView>
  );
}

const EMPTY_CAMPAIGN: CampaignForm = { title: '', percentOff: '', commissionPercent: '' };
const CAMPAIGN_PARAMS: Record<string, keyof CampaignForm> = { title: 'title', discount_value: 'percentOff', 'commission.value': 'commissionPercent' };
/** As many as the backend takes on one campaign. */
const MAX_REWARD_RULES = 10;

/** A rule as the backend takes it (server/src/rewards/schemas.ts): amounts in minor units. */
function rewardRuleBody(rule: RewardRuleForm): RewardRule {
  const currency = rule.currency.trim().toLowerCase();
  return {
    recipient: rule.recipient,
    trigger: rule.trigger,
    ...(rule.kind === 'points' ? { points: Number(rule.value) } : { amount: toMinorUnits(Number(rule.value), currency), currency }),
    ...(rule.trigger === 'amount_spent' && { per: { amount: toMinorUnits(Number(rule.perAmount), currency), currency } }),
  };
}

function CampaignFormView({ api, shown, setShown, onCreated }: { api: Api; shown: boolean; setShown: (shown: boolean) => void; onCreated: () => void }) {
  const { setForm, field, submit, formError, pending } = useForm<CampaignForm>(EMPTY_CAMPAIGN, validateCampaignForm, (param) => CAMPAIGN_PARAMS[param]);
  const [rules, setRules] = useState<RewardRuleForm[]>([]);
  const [ruleErrors, setRuleErrors] = useState<FieldErrors<keyof RewardRuleForm>[]>([]);
  const editRule = (index: number, changes: Partial<RewardRuleForm>) => setRules((current) => current.map((rule, at) => (at === index ? { ...rule, ...changes } : rule)));

  const create = async () => {
    const found = rules.map(validateRewardRule);
    setRuleErrors(found);
    if (found.some(hasErrors)) return;
    const created = await submit(async (form) => {
      await api.post('campaigns', {
        title: form.title.trim(),
        discount_type: 'percent_off',
        discount_value: Number(form.percentOff),
        commission: { type: 'percent', value: Number(form.commissionPercent) },
        ...(rules.length > 0 && { rewards: rules.map(rewardRuleBody) }),
      });
      showToast(`Created ${form.title.trim()}`, { type: 'success' });
    });
    if (!created) return;
    setForm(EMPTY_CAMPAIGN);
    setRules([]);
    setShown(false);
    onCreated();
  };

  return (
    <FocusView
      title="New campaign"
      shown={shown}
      setShown={setShown}
      primaryAction={
        <Button type="primary" pending={pending} onPress={create}>
          Create campaign
        </Button>
      }
      secondaryAction={<Button onPress={() => setShown(false)}>Cancel</Button>}
    >
      <Box css={{ stack: 'y', gap: 'medium' }}>
        {formError && <Banner type="critical" title="The campaign was not created" description={formError} />}
        <TextField label="Title" placeholder="Summer drop" {...field('title')} />
        <TextField label="Customer discount (%)" type="number" placeholder="20" {...field('percentOff')} />
        <TextField label="Creator commission (% of net revenue)" type="number" placeholder="10" {...field('commissionPercent')} />
        <Divider />
        <Box css={{ font: 'heading' }}>Rewards (optional)</Box>
        <Box css={{ color: 'secondary' }}>
          Points or a fixed amount for the creator (advocate) and/or the referred customer (friend), on top of the discount and commission. Refunds take purchase rewards back.
        </Box>
        {rules.map((rule, index) => (
          <RewardRuleFields
            key={index}
            index={index}
            rule={rule}
            errors={ruleErrors[index] ?? {}}
            onChange={(changes) => editRule(index, changes)}
            onRemove={() => {
              setRules((current) => current.filter((_, at) => at !== index));
              setRuleErrors((current) => current.filter((_, at) => at !== index));
            }}
          />
        ))}
        {rules.length < MAX_REWARD_RULES && <Button onPress={() => setRules((current) => [...current, EMPTY_REWARD_RULE])}>Add a reward</Button>}
      </Box>
    </FocusView>
  );
}

function RewardRuleFields({
  index,
  rule,
  errors,
  onChange,
  onRemove,
}: {
  index: number;
  rule: RewardRuleForm;
  errors: FieldErrors<keyof RewardRuleForm>;
  onChange: (changes: Partial<RewardRuleForm>) => void;
  onRemove: () => void;
}) {
  const text = (key: 'value' | 'currency' | 'perAmount') => ({
    name: `reward-${index}-${key}`,
    value: rule[key],
    error: errors[key],
    invalid: !!errors[key],
    onChange: (event: { target: { value: string } }) => onChange({ [key]: event.target.value }),
  });
  return (
    <Box css={{ stack: 'y', gap: 'small', padding: 'small', borderRadius: 'medium', keyline: 'neutral' }}>
      <Select label="Who earns it" name={`reward-${index}-recipient`} value={rule.recipient} onChange={(event) => onChange({ recipient: event.target.value as RewardRuleForm['recipient'] })}>
        <option value="advocate">The creator (advocate)</option>
        <option value="friend">The referred customer (friend)</option>
      </Select>
      <Select label="When" name={`reward-${index}-trigger`} value={rule.trigger} onChange={(event) => onChange({ trigger: event.target.value as RewardRuleForm['trigger'] })}>
        <option value="signup">On signup</option>
        <option value="first_purchase">On the friend’s first purchase</option>
        <option value="purchase">On every purchase</option>
        <option value="amount_spent">For each amount spent</option>
      </Select>
      <Select label="Reward" name={`reward-${index}-kind`} value={rule.kind} onChange={(event) => onChange({ kind: event.target.value as RewardRuleForm['kind'] })}>
        <option value="points">Points</option>
        <option value="amount">A fixed amount</option>
      </Select>
      <TextField label={rule.kind === 'points' ? 'Points' : 'Amount'} type="number" placeholder={rule.kind === 'points' ? '100' : '5.00'} {...text('value')} />
      {needsCurrency(rule) && <TextField label="Currency" placeholder="usd" {...text('currency')} />}
      {rule.trigger === 'amount_spent' && <TextField label="Per amount spent" type="number" placeholder="10" description="Earned once for each of these spent, in that currency." {...text('perAmount')} />}
      <Button size="small" onPress={onRemove}>
        Remove this reward
      </Button>
    </Box>
  );
}

export default Home;
