import type { ExtensionContextValue } from '@stripe/ui-extension-sdk/context';
import {
  Badge,
  Banner,
  Box,
  Button,
  Checkbox,
  Divider,
  Inline,
  Select,
  SettingsView,
  Switch,
  TextArea,
  TextField,
} from '@stripe/ui-extension-sdk/ui';
import { clipboardWriteText, showToast } from '@stripe/ui-extension-sdk/utils';
import { useCallback, useState } from 'react';
import { type Api, type BackendError, asBackendError, useApi } from '../api';
import { AccessNotice, ErrorBanner, Loading } from '../components';
import { formatDate, userLocale } from '../format';
import { pixelSnippet } from '../pixel';
import { accessOf } from '../roles';
import type { ApiKey, Settings, WebhookEndpoint } from '../types';
import { useResource } from '../useResource';
import { type FieldErrors, hasErrors, type SettingsForm, splitList, toHostname, validateSettingsForm } from '../validation';

const SCOPES = [
  { id: 'referrals', label: 'referrals: identify and look up customers (your backend)' },
  { id: 'tracking', label: 'tracking: record clicks and signups server-side' },
  { id: 'admin', label: 'admin: manage settings, creators and codes through the API' },
];
const FIELD_OF_PARAM: Record<string, keyof SettingsForm> = {
  domains: 'domains',
  attribution_window_days: 'windowDays',
  payout_hold_days: 'holdDays',
  referral_params: 'referralParams',
  name: 'brandName',
  brand_color: 'brandColor',
};

const formOf = (org: Settings['org']): SettingsForm => ({
  domains: org.domains.join('\n'),
  windowDays: String(org.attribution_window_days),
  holdDays: String(org.payout_hold_days),
  referralParams: org.referral_params.join(', '),
  model: org.attribution_model,
  codeBeatsLink: org.code_beats_link,
  brandName: org.name,
  brandColor: org.brand_color,
  emailFirstConversion: org.email_first_conversion,
  emailPayoutRecorded: org.email_payout_recorded,
});

/** The app's settings page: tracking install, attribution rules, the creator portal and emails, API keys, per Dashboard mode. */
const AppSettings = (context: ExtensionContextValue) => {
  const { api, base, error: configError } = useApi(context);
  const load = useCallback((client: Api) => client.get<Settings>('settings'), []);
  const { resource, reload, setResource } = useResource(api, load);
  const [draft, setDraft] = useState<SettingsForm | null>(null);
  const [errors, setErrors] = useState<FieldErrors<keyof SettingsForm>>({});
  const [saveError, setSaveError] = useState<BackendError | null>(null);
  const [status, setStatus] = useState<string | undefined>(undefined);
  const locale = userLocale(context);
  const settings = resource.status === 'ready' ? resource.data : null;
  const { canManage, notice } = accessOf(context, settings?.access);
  const form = draft ?? (settings ? formOf(settings.org) : null);
  const edit = (changes: Partial<SettingsForm>) => form && setDraft({ ...form, ...changes });
  /** A text field of the form: its value, its error, and disabled for a user who may only look. */
  const text = (key: 'domains' | 'windowDays' | 'holdDays' | 'referralParams' | 'brandName' | 'brandColor') => ({
    disabled: !canManage,
    value: form?.[key] ?? '',
    error: errors[key],
    invalid: !!errors[key],
    onChange: (event: { target: { value: string } }) => edit({ [key]: event.target.value }),
  });

  const save = async () => {
    if (!api || !form) return;
    const found = validateSettingsForm(form);
    setErrors(found);
    setSaveError(null);
    if (hasErrors(found)) return setStatus('Not saved');
    setStatus('Saving…');
    try {
      const saved = await api.patch<Settings>('settings', {
        domains: splitList(form.domains).map(toHostname),
        attribution_window_days: Number(form.windowDays),
        payout_hold_days: Number(form.holdDays),
        referral_params: splitList(form.referralParams),
        attribution_model: form.model,
        code_beats_link: form.codeBeatsLink,
        name: form.brandName.trim(),
        brand_color: form.brandColor.trim().toLowerCase(),
        email_first_conversion: form.emailFirstConversion,
        email_payout_recorded: form.emailPayoutRecorded,
      });
      setResource({ status: 'ready', data: saved });
      setDraft(null);
      setStatus('Saved');
    } catch (error) {
      const backend = asBackendError(error);
      const field = backend.param ? FIELD_OF_PARAM[backend.param.split('.')[0]] : undefined;
      if (field) setErrors({ [field]: backend.message });
      else setSaveError(backend);
      setStatus('Not saved');
    }
  };

  let body: React.ReactNode;
  if (configError) body = <ErrorBanner error={configError} />;
  else if (resource.status === 'loading') body = <Loading label="Loading settings…" />;
  else if (resource.status === 'error') body = <ErrorBanner error={resource.error} onRetry={reload} />;
  else if (settings && form && api && base) {
    const snippet = pixelSnippet(base, settings.org);
    body = (
      <Box css={{ stack: 'y', gap: 'large' }}>
        <AccessNotice notice={notice} />
        {context.environment.mode === 'test' && <Banner title="Test mode" description="API keys listed and created here are test-mode keys." />}
        <Box css={{ stack: 'y', gap: 'small' }}>
          <Box css={{ font: 'heading' }}>Tracking pixel</Box>
          <Box css={{ color: 'secondary' }}>Add this tag to every page of your site. Your org id is already in it.</Box>
          <TextArea label="Pixel snippet" value={snippet} readOnly rows={3} />
          <Button
            onPress={async () => {
              await clipboardWriteText(snippet);
              showToast('Snippet copied', { type: 'success' });
            }}
          >
            Copy snippet
          </Button>
          <PixelStatus pixel={settings.pixel} locale={locale} />
        </Box>
        <Divider />
        <Box css={{ stack: 'y', gap: 'medium' }}>
          <Box css={{ font: 'heading' }}>Attribution</Box>
          {saveError && <Banner type="critical" title="Settings were not saved" description={saveError.message} />}
          <TextArea
            label="Allowed domains"
            description="One per line. The pixel and click API accept these and their subdomains; the first one is used for share links."
            {...text('domains')}
          />
          <TextField
            label="Attribution window (days)"
            type="number"
            {...text('windowDays')}
          />
          <TextField
            label="Referral parameters"
            description="Query parameters that carry a creator’s code, e.g. infl for ?infl=ANNIE20. Comma-separated; the first is used in share links."
            {...text('referralParams')}
          />
          <Select
            label="When a visitor followed several creators’ links"
            disabled={!canManage}
            value={form.model}
            onChange={(event) => edit({ model: event.target.value as SettingsForm['model'] })}
          >
            <option value="last_click">Credit the last click</option>
            <option value="first_click">Credit the first click</option>
          </Select>
          <Switch
            label="A redeemed code beats a link"
            description="When checkout carries one creator’s code and another creator’s link, credit the code."
            disabled={!canManage}
            checked={form.codeBeatsLink}
            onChange={(event) => edit({ codeBeatsLink: event.target.checked })}
          />
          <TextField
            label="Payout hold period (days)"
            description="Commission becomes due to a creator this long after the sale, so refunds within it never reach a payout. 0 to 365."
            type="number"
            {...text('holdDays')}
          />
        </Box>
        <Divider />
        <Box css={{ stack: 'y', gap: 'medium' }}>
          <Box css={{ font: 'heading' }}>Creator portal and emails</Box>
          <Box css={{ color: 'secondary' }}>Creators sign in to their own page with a link sent by email, in your name and colour. Invite a creator from their card in the drawer.</Box>
          {!settings.creator_email.configured && (
            <Banner
              type="caution"
              title="Email is not set up on this Shoutout server"
              description="Without SMTP_URL and EMAIL_FROM, creators get no emails and cannot be invited from the app. The operator can print a creator's sign-in link with `npm run shoutout -- portal link --org … --creator …`."
            />
          )}
          <TextField
            label="Brand name"
            description="Shown to creators on the portal and in their emails."
            {...text('brandName')}
          />
          <TextField
            label="Brand colour"
            description="The portal’s accent colour, as #rrggbb."
            placeholder="#4f46e5"
            {...text('brandColor')}
          />
          <Switch
            label="Email a creator on their first conversion"
            disabled={!canManage}
            checked={form.emailFirstConversion}
            onChange={(event) => edit({ emailFirstConversion: event.target.checked })}
          />
          <Switch
            label="Email a creator when a payout to them is recorded"
            description="With the amount and your transfer reference; its statement is on their portal page."
            disabled={!canManage}
            checked={form.emailPayoutRecorded}
            onChange={(event) => edit({ emailPayoutRecorded: event.target.checked })}
          />
        </Box>
        <Divider />
        <ApiKeys api={api} keys={settings.api_keys} locale={locale} canManage={canManage} onChanged={reload} />
        <Divider />
        <WebhookEndpoints api={api} endpoints={settings.webhook_endpoints} locale={locale} canManage={canManage} onChanged={reload} />
      </Box>
    );
  }

  return (
    <SettingsView onSave={settings && canManage ? save : undefined} statusMessage={status}>
      {body}
    </SettingsView>
  );
};

function PixelStatus({ pixel, locale }: { pixel: Settings['pixel']; locale: string }) {
  if (pixel.length === 0) {
    return <Box css={{ color: 'secondary' }}>Add an allowed domain below; once the pixel loads there, it shows up here.</Box>;
  }
  return (
    <Box css={{ stack: 'y', gap: 'xsmall' }}>
      {pixel.map((entry) => (
        <Inline key={entry.domain} css={{ gap: 'small', alignY: 'center' }}>
          <Inline css={{ font: 'bodyEmphasized' }}>{entry.domain}</Inline>
          {entry.last_seen ? <Badge type="positive">Pixel seen {formatDate(entry.last_seen, locale)}</Badge> : <Badge type="warning">Pixel not seen yet</Badge>}
          {!entry.allowed && <Badge type="urgent">Not an allowed domain</Badge>}
        </Inline>
      ))}
    </Box>
  );
}

/** A secret the backend shows once (an API key, a webhook signing secret), with a copy button. */
function ShownOnce({ title, secret, what, onDismiss }: { title: string; secret: string; what: 'key' | 'secret'; onDismiss: () => void }) {
  return (
    <Banner
      title={title}
      description={`${secret} — copy it now: it is shown only this once.`}
      actions={
        <Button
          onPress={async () => {
            await clipboardWriteText(secret);
            showToast(`${what === 'key' ? 'Key' : 'Secret'} copied`, { type: 'success' });
          }}
        >
          {what === 'key' ? 'Copy key' : 'Copy secret'}
        </Button>
      }
      onDismiss={onDismiss}
    />
  );
}

function ApiKeys({
  api,
  keys,
  locale,
  canManage,
  onChanged,
}: {
  api: Api;
  keys: ApiKey[];
  locale: string;
  /** False for a user who may only look (their role, or no grant): the keys listed, nothing created or revoked. */
  canManage: boolean;
  onChanged: () => void;
}) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['referrals']);
  const [created, setCreated] = useState<ApiKey | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  // A revoked key stops the brand's backend at once and cannot be restored: it takes a second press.
  const [confirming, setConfirming] = useState<string | null>(null);

  const create = async () => {
    setError(null);
    if (scopes.length === 0) return setError('Choose at least one scope.');
    setPending('create');
    try {
      const key = await api.post<ApiKey>('keys', { name: name.trim() || 'API key', scopes });
      setCreated(key);
      setName('');
      onChanged();
    } catch (failure) {
      setError(asBackendError(failure).message);
    } finally {
      setPending(null);
    }
  };

  const revoke = async (key: ApiKey) => {
    setError(null);
    setConfirming(null);
    setPending(key.id);
    try {
      await api.del(`keys/${encodeURIComponent(key.id)}`);
      showToast(`${key.name} revoked`, { type: 'success' });
      onChanged();
    } catch (failure) {
      setError(asBackendError(failure).message);
    } finally {
      setPending(null);
    }
  };

  return (
    <Box css={{ stack: 'y', gap: 'medium' }}>
      <Box css={{ font: 'heading' }}>API keys</Box>
      {error && <Banner type="critical" title="That did not work" description={error} />}
      {created?.secret && <ShownOnce title={`Your new key “${created.name}”`} secret={created.secret} what="key" onDismiss={() => setCreated(null)} />}
      {keys.length === 0 ? (
        <Box css={{ color: 'secondary' }}>No API keys yet. Your backend needs one to call identify and lookup.</Box>
      ) : (
        keys.map((key) => (
          <Inline key={key.id} css={{ gap: 'small', alignY: 'center' }}>
            <Inline css={{ font: 'bodyEmphasized' }}>{key.name}</Inline>
            <Inline css={{ color: 'secondary' }}>
              {key.redacted} · {key.scopes.join(', ')} · created {formatDate(key.created, locale)}
            </Inline>
            {key.revoked ? (
              <Badge type="neutral">Revoked {formatDate(key.revoked, locale)}</Badge>
            ) : !canManage ? null : confirming === key.id ? (
              <>
                <Button size="small" type="destructive" onPress={() => revoke(key)}>
                  Confirm revoke
                </Button>
                <Button size="small" onPress={() => setConfirming(null)}>
                  Cancel
                </Button>
              </>
            ) : (
              <Button size="small" type="destructive" pending={pending === key.id} onPress={() => setConfirming(key.id)}>
                Revoke
              </Button>
            )}
          </Inline>
        ))
      )}
      {canManage && (
        <>
          <TextField label="New key name" placeholder="Production backend" value={name} onChange={(event) => setName(event.target.value)} />
          {SCOPES.map((scope) => (
            <Checkbox
              key={scope.id}
              label={scope.label}
              checked={scopes.includes(scope.id)}
              onChange={(event) => setScopes((current) => (event.target.checked ? [...current, scope.id] : current.filter((id) => id !== scope.id)))}
            />
          ))}
          <Button type="primary" pending={pending === 'create'} onPress={create}>
            Create API key
          </Button>
        </>
      )}
    </Box>
  );
}

const EVENT_TYPES = [
  { id: 'conversion.created', label: 'conversion.created: a sale credited to a creator' },
  { id: 'conversion.updated', label: 'conversion.updated: refunds and lost disputes' },
  { id: 'payout.created', label: 'payout.created: a payout recorded' },
  { id: 'creator.created', label: 'creator.created: a creator added' },
  { id: 'promo_code.updated', label: 'promo_code.updated: a code deactivated or reactivated' },
  { id: 'customer.identified', label: 'customer.identified: a signup bound to a referral' },
  { id: 'reward_entry.created', label: 'reward_entry.created: points or a reward earned, or spent' },
  { id: 'reward_entry.updated', label: 'reward_entry.updated: a refund took part of a reward back' },
  { id: 'referral.clicked', label: 'referral.clicked: every visit through a link (many)' },
];

/** Where Shoutout sends signed events (docs/webhooks.md): add, disable or enable, roll the secret, delete. */
function WebhookEndpoints({
  api,
  endpoints,
  locale,
  canManage,
  onChanged,
}: {
  api: Api;
  endpoints: WebhookEndpoint[];
  locale: string;
  canManage: boolean;
  onChanged: () => void;
}) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['conversion.created', 'conversion.updated']);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);

  const act = async (key: string, action: () => Promise<void>) => {
    setError(null);
    setConfirming(null);
    setPending(key);
    try {
      await action();
      onChanged();
    } catch (failure) {
      setError(asBackendError(failure).message);
    } finally {
      setPending(null);
    }
  };
  const path = (endpoint: WebhookEndpoint, tail = '') => `webhook_endpoints/${encodeURIComponent(endpoint.id)}${tail}`;
  const create = () =>
    act('create', async () => {
      if (events.length === 0) throw new Error('Choose at least one event.');
      const created = await api.post<WebhookEndpoint>('webhook_endpoints', { url: url.trim(), enabled_events: events });
      setSecret({ url: created.url, secret: created.secret ?? '' });
      setUrl('');
    });
  const failing = endpoints.filter((endpoint) => endpoint.disabled_reason === 'failing');

  return (
    <Box css={{ stack: 'y', gap: 'medium' }}>
      <Box css={{ font: 'heading' }}>Webhooks</Box>
      {failing.map((endpoint) => (
        <Banner
          key={`failing-${endpoint.id}`}
          type="critical"
          title="A webhook endpoint was disabled"
          description={`Deliveries to ${endpoint.url} failed for three days, so Shoutout stopped sending. Fix it, enable it again, then catch up with GET /api/events.`}
        />
      ))}
      {error && <Banner type="critical" title="That did not work" description={error} />}
      {secret && <ShownOnce title={`Signing secret for ${secret.url}`} secret={secret.secret} what="secret" onDismiss={() => setSecret(null)} />}
      {endpoints.length === 0 ? (
        <Box css={{ color: 'secondary' }}>No endpoints yet. Add one to have Shoutout tell your systems about conversions, payouts and more.</Box>
      ) : (
        endpoints.map((endpoint) => (
          <Box key={endpoint.id} css={{ stack: 'y', gap: 'xsmall' }}>
            <Inline css={{ gap: 'small', alignY: 'center' }}>
              <Inline css={{ font: 'bodyEmphasized' }}>{endpoint.url}</Inline>
              {endpoint.status === 'enabled' ? <Badge type="positive">Enabled</Badge> : <Badge type={endpoint.disabled_reason === 'failing' ? 'urgent' : 'neutral'}>Disabled</Badge>}
            </Inline>
            <Inline css={{ color: 'secondary' }}>
              {endpoint.enabled_events.join(', ')} · created {formatDate(endpoint.created, locale)}
            </Inline>
            {canManage && (
              <Inline css={{ gap: 'small' }}>
                <Button
                  size="small"
                  pending={pending === `toggle-${endpoint.id}`}
                  onPress={() => act(`toggle-${endpoint.id}`, () => api.patch(path(endpoint), { disabled: endpoint.status === 'enabled' }).then(() => undefined))}
                >
                  {endpoint.status === 'enabled' ? 'Disable' : 'Enable'}
                </Button>
                <Button
                  size="small"
                  pending={pending === `roll-${endpoint.id}`}
                  onPress={() =>
                    act(`roll-${endpoint.id}`, async () => {
                      const rolled = await api.post<WebhookEndpoint>(path(endpoint, '/roll_secret'), {});
                      setSecret({ url: rolled.url, secret: rolled.secret ?? '' });
                    })
                  }
                >
                  Roll secret
                </Button>
                {confirming === endpoint.id ? (
                  <Button size="small" type="destructive" onPress={() => act(`delete-${endpoint.id}`, () => api.del(path(endpoint)).then(() => undefined))}>
                    Confirm delete
                  </Button>
                ) : (
                  <Button size="small" type="destructive" pending={pending === `delete-${endpoint.id}`} onPress={() => setConfirming(endpoint.id)}>
                    Delete
                  </Button>
                )}
              </Inline>
            )}
          </Box>
        ))
      )}
      {canManage && (
        <>
          <TextField label="Endpoint URL" placeholder="Your https endpoint" value={url} onChange={(event) => setUrl(event.target.value)} />
          {EVENT_TYPES.map((type) => (
            <Checkbox
              key={type.id}
              label={type.label}
              checked={events.includes(type.id)}
              onChange={(event) => setEvents((current) => (event.target.checked ? [...current, type.id] : current.filter((id) => id !== type.id)))}
            />
          ))}
          <Button type="primary" pending={pending === 'create'} onPress={create}>
            Add endpoint
          </Button>
        </>
      )}
    </Box>
  );
}

export default AppSettings;
