import type { RoleDefinition } from '@stripe/ui-extension-sdk/context';
import { render } from '@stripe/ui-extension-sdk/testing';
import { Badge, Banner, Box, Button, Checkbox, Inline, Select, SettingsView, Spinner, Switch, TextArea, TextField } from '@stripe/ui-extension-sdk/ui';
import { clipboardWriteText } from '@stripe/ui-extension-sdk/utils';
import { REFERRAL_PARAMS } from '../../pixel/src/params';
import { EVENT_TYPES } from '../../server/src/webhooks/schemas';
import { PIXEL_BUILT_IN_PARAMS } from '../src/pixel';
import AppSettings from '../src/views/AppSettings';
import { backendError, expectSignedAndAllowed, fakeBackend, pressInFragment, settle, viewContext } from './backend';
import { notGranted, settings } from './fixtures';

const settingsPage = (mode: 'live' | 'test' = 'live', locale?: string, roles?: RoleDefinition[]) =>
  render(<AppSettings {...viewContext('settings', { mode, locale, roles })} />);
type Wrapper = ReturnType<typeof settingsPage>['wrapper'];
const button = (wrapper: Wrapper, label: string) => wrapper.findAll(Button).find((node) => node.text === label) ?? null;
const scope = (wrapper: Wrapper, id: string) => wrapper.findAll(Checkbox).find((node) => String(node.prop('label')).startsWith(`${id}:`))!;
const save = async (wrapper: Wrapper, update: () => Promise<void>) => {
  wrapper.find(SettingsView)!.trigger('onSave', {});
  await settle(update);
};

describe('AppSettings', () => {
  it('shows a spinner while settings load', async () => {
    const backend = fakeBackend({ 'GET settings': 'hang' });
    const { wrapper, update } = settingsPage();
    await settle(update);
    expect(wrapper).toContainComponent(Spinner);
    expect(backend.calls.map((call) => call.route)).toEqual(['GET settings']);
    expectSignedAndAllowed(backend.calls);
  });

  it('shows the backend’s message when settings cannot load', async () => {
    fakeBackend({ 'GET settings': backendError(401, 'The Stripe-Signature does not match user_id and account_id.') });
    const { wrapper, update } = settingsPage();
    await settle(update);
    expect(wrapper).toContainComponent(Banner, { type: 'critical', description: 'The Stripe-Signature does not match user_id and account_id.' });
  });

  it('gives the pixel snippet with the org id and copies it', async () => {
    fakeBackend({ 'GET settings': { body: settings } });
    const { wrapper, update } = settingsPage();
    await settle(update);
    const snippet = '<script src="https://shoutout.example.com/api/script.js" data-org="org_abc" defer></script>';
    expect(wrapper.find(TextArea, { label: 'Pixel snippet' })).toHaveProps({ value: snippet, readOnly: true });
    button(wrapper, 'Copy snippet')!.trigger('onPress');
    await settle(update);
    expect(clipboardWriteText).toHaveBeenCalledWith(snippet);
  });

  it('names the org’s own referral params in the snippet, so links using them are tracked', async () => {
    fakeBackend({ 'GET settings': { body: { ...settings, org: { ...settings.org, referral_params: ['partner', 'infl', 'creator_code'] } } } });
    const { wrapper, update } = settingsPage();
    await settle(update);
    expect(wrapper.find(TextArea, { label: 'Pixel snippet' })).toHaveProps({
      value: '<script src="https://shoutout.example.com/api/script.js" data-org="org_abc" data-params="partner,creator_code" defer></script>',
    });
  });

  it('knows the same built-in params as the pixel', () => {
    expect(PIXEL_BUILT_IN_PARAMS).toEqual(REFERRAL_PARAMS);
  });

  it('shows per domain whether the pixel has been seen', async () => {
    fakeBackend({ 'GET settings': { body: { ...settings, pixel: [...settings.pixel, { domain: 'other.test', allowed: false, last_seen: 1_763_700_000, page_url: null }] } } });
    const { wrapper, update } = settingsPage();
    await settle(update);
    expect(wrapper.findAll(Badge).map((badge) => badge.text)).toEqual(
      expect.arrayContaining(['Pixel seen Nov 21, 2025', 'Pixel not seen yet', 'Not an allowed domain']),
    );
  });

  it('writes dates in the Dashboard user’s locale', async () => {
    fakeBackend({ 'GET settings': { body: settings } });
    const { wrapper, update } = settingsPage('live', 'de-DE');
    await settle(update);
    expect(wrapper.findAll(Badge).map((badge) => badge.text)).toEqual(expect.arrayContaining(['Pixel seen 21. Nov. 2025', 'Revoked 14. Nov. 2025']));
    expect(wrapper).toContainText('created 13. Nov. 2025');
  });

  it('says where the pixel status will appear when no domain is set', async () => {
    fakeBackend({ 'GET settings': { body: { ...settings, org: { ...settings.org, domains: [] }, pixel: [] } } });
    const { wrapper, update } = settingsPage();
    await settle(update);
    expect(wrapper).toContainText('Add an allowed domain below');
  });

  it('fills the form from the org and saves every attribution setting', async () => {
    const backend = fakeBackend({
      'GET settings': { body: settings },
      'PATCH settings': (call) => {
        const body = call.body as Record<string, unknown>;
        return { body: { ...settings, org: { ...settings.org, ...body } } };
      },
    });
    const { wrapper, update } = settingsPage();
    await settle(update);
    expect(wrapper.find(TextArea, { label: 'Allowed domains' })).toHaveProps({ value: 'brand.test\nshop.brand.test' });
    expect(wrapper.find(TextField, { label: 'Attribution window (days)' })).toHaveProps({ value: '30' });
    expect(wrapper.find(TextField, { label: 'Payout hold period (days)' })).toHaveProps({ value: '30' });
    expect(wrapper.find(Switch)).toHaveProps({ checked: true });

    wrapper.find(TextArea, { label: 'Allowed domains' })!.trigger('onChange', { target: { value: 'https://brand.test/shop\nnew.test' } });
    wrapper.find(TextField, { label: 'Attribution window (days)' })!.trigger('onChange', { target: { value: '60' } });
    wrapper.find(TextField, { label: 'Referral parameters' })!.trigger('onChange', { target: { value: 'ref, via' } });
    wrapper.find(Select)!.trigger('onChange', { target: { value: 'first_click' } });
    wrapper.find(Switch)!.trigger('onChange', { target: { checked: false } });
    wrapper.find(TextField, { label: 'Payout hold period (days)' })!.trigger('onChange', { target: { value: '0' } });
    await save(wrapper, update);

    expect(backend.calls.find((call) => call.route === 'PATCH settings')!.body).toEqual({
      domains: ['brand.test', 'new.test'],
      attribution_window_days: 60,
      payout_hold_days: 0,
      referral_params: ['ref', 'via'],
      attribution_model: 'first_click',
      code_beats_link: false,
      name: 'Glow Skincare',
      brand_color: '#0f766e',
      email_first_conversion: true,
      email_payout_recorded: true,
    });
    expect(wrapper.find(SettingsView)).toHaveProps({ statusMessage: 'Saved' });
    expect(wrapper.find(TextArea, { label: 'Allowed domains' })).toHaveProps({ value: 'brand.test\nnew.test' });
    expectSignedAndAllowed(backend.calls);
  });

  it('saves the portal’s brand name and colour and the creator email switches', async () => {
    const backend = fakeBackend({
      'GET settings': { body: settings },
      'PATCH settings': (call) => ({ body: { ...settings, org: { ...settings.org, ...(call.body as object) } } }),
    });
    const { wrapper, update } = settingsPage();
    await settle(update);
    const emailSwitch = (label: string) => wrapper.find(Switch, { label })!;
    expect(wrapper.find(TextField, { label: 'Brand name' })).toHaveProps({ value: 'Glow Skincare' });
    expect(wrapper.find(TextField, { label: 'Brand colour' })).toHaveProps({ value: '#0f766e' });
    expect(emailSwitch('Email a creator on their first conversion')).toHaveProps({ checked: true });
    expect(emailSwitch('Email a creator when a payout to them is recorded')).toHaveProps({ checked: true });
    expect(wrapper.findAll(Banner).some((node) => node.prop('title') === 'Email is not set up on this Shoutout server')).toBe(false);

    wrapper.find(TextField, { label: 'Brand name' })!.trigger('onChange', { target: { value: ' ' } });
    wrapper.find(TextField, { label: 'Brand colour' })!.trigger('onChange', { target: { value: 'teal' } });
    await save(wrapper, update);
    expect(wrapper.find(TextField, { label: 'Brand name' })).toHaveProps({ invalid: true, error: 'Enter the name creators know you by.' });
    expect(wrapper.find(TextField, { label: 'Brand colour' })).toHaveProps({ invalid: true, error: 'Enter a colour such as #4f46e5.' });
    expect(backend.calls.filter((call) => call.method === 'PATCH')).toHaveLength(0);

    wrapper.find(TextField, { label: 'Brand name' })!.trigger('onChange', { target: { value: ' Glow ' } });
    wrapper.find(TextField, { label: 'Brand colour' })!.trigger('onChange', { target: { value: '#AA3366' } });
    emailSwitch('Email a creator on their first conversion').trigger('onChange', { target: { checked: false } });
    await save(wrapper, update);
    expect(backend.calls.find((call) => call.route === 'PATCH settings')!.body).toMatchObject({
      name: 'Glow',
      brand_color: '#aa3366',
      email_first_conversion: false,
      email_payout_recorded: true,
    });
    expect(wrapper.find(SettingsView)).toHaveProps({ statusMessage: 'Saved' });
    expect(emailSwitch('Email a creator on their first conversion')).toHaveProps({ checked: false });
    expectSignedAndAllowed(backend.calls);
  });

  it('puts the backend’s refusal of a brand colour on that field', async () => {
    fakeBackend({
      'GET settings': { body: settings },
      'PATCH settings': backendError(400, 'Invalid brand_color: must be a colour such as #4f46e5', 'brand_color'),
    });
    const { wrapper, update } = settingsPage();
    await settle(update);
    await save(wrapper, update);
    expect(wrapper.find(TextField, { label: 'Brand colour' })).toHaveProps({ error: 'Invalid brand_color: must be a colour such as #4f46e5' });
  });

  it('says when the server cannot email creators, and how to sign one in without email', async () => {
    fakeBackend({ 'GET settings': { body: { ...settings, creator_email: { configured: false } } } });
    const { wrapper, update } = settingsPage();
    await settle(update);
    const banner = wrapper.findAll(Banner).find((node) => node.prop('title') === 'Email is not set up on this Shoutout server')!;
    expect(banner.prop('description')).toContain('npm run shoutout -- portal link');
  });

  it('shows the server’s grant message in place of saving and key actions, for a user it has not granted', async () => {
    fakeBackend({ 'GET settings': { body: { ...settings, access: notGranted } } });
    const { wrapper, update } = settingsPage();
    await settle(update);
    expect(wrapper).toContainComponent(Banner, { title: 'Changes need a grant', description: notGranted.message! });
    expect(wrapper.find(SettingsView)!.prop('onSave')).toBeUndefined();
    expect(wrapper.find(TextArea, { label: 'Allowed domains' })).toHaveProps({ disabled: true });
    expect(wrapper.find(TextField, { label: 'Brand colour' })).toHaveProps({ disabled: true });
    expect(wrapper.find(Switch, { label: 'Email a creator on their first conversion' })).toHaveProps({ disabled: true });
    for (const label of ['Create API key', 'Revoke', 'Add endpoint', 'Disable']) expect(button(wrapper, label)).toBeNull();
    expect(wrapper).toContainText('Production backend');
  });

  it('shows a read-only user the settings and keys without saving, creating or revoking', async () => {
    fakeBackend({ 'GET settings': { body: settings } });
    const { wrapper, update } = settingsPage('live', undefined, [{ id: 'view_only', name: 'View only', type: 'builtIn' }]);
    await settle(update);
    expect(wrapper).toContainComponent(Banner, { title: 'View only' });
    expect(wrapper.find(SettingsView)!.prop('onSave')).toBeUndefined();
    for (const field of [
      wrapper.find(TextArea, { label: 'Allowed domains' }),
      wrapper.find(TextField, { label: 'Attribution window (days)' }),
      wrapper.find(TextField, { label: 'Referral parameters' }),
      wrapper.find(TextField, { label: 'Payout hold period (days)' }),
      wrapper.find(Select),
      wrapper.find(Switch),
    ]) {
      expect(field).toHaveProps({ disabled: true });
    }
    expect(wrapper).toContainText('Production backend');
    expect(button(wrapper, 'Revoke')).toBeNull();
    expect(button(wrapper, 'Create API key')).toBeNull();
    expect(wrapper.findAll(Checkbox)).toHaveLength(0);
    // The snippet is still theirs to copy.
    expect(button(wrapper, 'Copy snippet')).not.toBeNull();
  });

  it('refuses invalid settings without calling the backend', async () => {
    const backend = fakeBackend({ 'GET settings': { body: settings } });
    const { wrapper, update } = settingsPage();
    await settle(update);
    wrapper.find(TextArea, { label: 'Allowed domains' })!.trigger('onChange', { target: { value: 'brand.test\nbad_domain!' } });
    wrapper.find(TextField, { label: 'Attribution window (days)' })!.trigger('onChange', { target: { value: '0' } });
    wrapper.find(TextField, { label: 'Referral parameters' })!.trigger('onChange', { target: { value: '' } });
    wrapper.find(TextField, { label: 'Payout hold period (days)' })!.trigger('onChange', { target: { value: '1.5' } });
    await save(wrapper, update);
    expect(wrapper.find(TextArea, { label: 'Allowed domains' })).toHaveProps({ invalid: true, error: 'bad_domain! is not a hostname such as brand.com.' });
    expect(wrapper.find(TextField, { label: 'Attribution window (days)' })).toHaveProps({ error: 'Enter a whole number of days from 1 to 365.' });
    expect(wrapper.find(TextField, { label: 'Referral parameters' })).toHaveProps({ error: 'Enter at least one parameter, such as infl.' });
    expect(wrapper.find(TextField, { label: 'Payout hold period (days)' })).toHaveProps({ error: 'Enter a whole number of days from 0 to 365.' });
    expect(wrapper.find(SettingsView)).toHaveProps({ statusMessage: 'Not saved' });
    expect(backend.calls.filter((call) => call.method === 'PATCH')).toHaveLength(0);
  });

  it('puts the backend’s refusal on the field it names', async () => {
    fakeBackend({
      'GET settings': { body: settings },
      'PATCH settings': backendError(400, 'Invalid attribution_window_days: Too big: expected number to be <=365', 'attribution_window_days'),
    });
    const { wrapper, update } = settingsPage();
    await settle(update);
    await save(wrapper, update);
    expect(wrapper.find(TextField, { label: 'Attribution window (days)' })).toHaveProps({
      error: 'Invalid attribution_window_days: Too big: expected number to be <=365',
    });
  });

  it('lists this mode’s keys, creates one shown once, and revokes one once confirmed', async () => {
    let keys = settings.api_keys;
    const backend = fakeBackend({
      'GET settings': () => ({ body: { ...settings, api_keys: keys } }),
      'POST keys': (call) => {
        const created = { id: 'key_3', redacted: 'so_test_…9xyz', created: 1_763_800_000, last_used: null, revoked: null, ...(call.body as { name: string; scopes: string[] }) };
        keys = [created, ...keys];
        return { status: 201, body: { ...created, secret: 'so_test_the-only-copy' } };
      },
      'DELETE keys/key_1': () => {
        keys = keys.map((key) => (key.id === 'key_1' ? { ...key, revoked: 1_763_900_000 } : key));
        return { body: keys.find((key) => key.id === 'key_1') };
      },
    });
    const { wrapper, update } = settingsPage('test');
    await settle(update);
    expect(wrapper).toContainText('Production backend');
    expect(wrapper).toContainText('so_live_…abcd');
    expect(wrapper.findAll(Badge).map((badge) => badge.text)).toContain('Revoked Nov 14, 2025');

    wrapper.find(TextField, { label: 'New key name' })!.trigger('onChange', { target: { value: 'Staging' } });
    scope(wrapper, 'tracking').trigger('onChange', { target: { checked: true } });
    button(wrapper, 'Create API key')!.trigger('onPress');
    await settle(update);
    expect(backend.calls.find((call) => call.route === 'POST keys')!.body).toEqual({ name: 'Staging', scopes: ['referrals', 'tracking'] });
    const shownOnce = wrapper.findAll(Banner).find((banner) => banner.prop('title') === 'Your new key “Staging”')!;
    expect(shownOnce.prop('description')).toContain('so_test_the-only-copy');
    pressInFragment(wrapper, shownOnce.prop('actions'), 'Copy key');
    expect(clipboardWriteText).toHaveBeenCalledWith('so_test_the-only-copy');

    const row = () => wrapper.findAll(Inline).find((node) => node.text.startsWith('Production backend'))!;
    const press = async (label: string) => {
      row().findAll(Button).find((node) => node.text === label)!.trigger('onPress');
      await settle(update);
    };
    await press('Revoke');
    await press('Cancel');
    await press('Revoke');
    expect(backend.calls.some((call) => call.method === 'DELETE')).toBe(false);
    await press('Confirm revoke');
    expect(backend.calls.filter((call) => call.method === 'DELETE').map((call) => call.route)).toEqual(['DELETE keys/key_1']);
    expect(wrapper.findAll(Badge).map((badge) => badge.text)).toContain('Revoked Nov 23, 2025');
    expectSignedAndAllowed(backend.calls, 'test');
  });

  it('offers every event type the server sends to webhook endpoints', async () => {
    fakeBackend({ 'GET settings': () => ({ body: settings }) });
    const { wrapper, update } = settingsPage('test');
    await settle(update);
    const offered = wrapper.findAll(Checkbox).map((node) => String(node.prop('label')).split(':')[0]);
    expect(offered).toEqual(expect.arrayContaining([...EVENT_TYPES]));
  });

  it('tells that a failing webhook endpoint was disabled, adds one with its secret shown once, disables, rolls and deletes', async () => {
    let endpoints = settings.webhook_endpoints;
    const backend = fakeBackend({
      'GET settings': () => ({ body: { ...settings, webhook_endpoints: endpoints } }),
      'POST webhook_endpoints': (call) => {
        const created = { id: 'we_3', description: null, status: 'enabled', disabled_reason: null, failing_since: null, created: 1_763_800_000, ...(call.body as { url: string; enabled_events: string[] }) };
        endpoints = [...endpoints, created as (typeof endpoints)[number]];
        return { status: 201, body: { ...created, secret: 'whsec_the-only-copy' } };
      },
      'PATCH webhook_endpoints/we_1': () => {
        endpoints = endpoints.map((endpoint) => (endpoint.id === 'we_1' ? { ...endpoint, status: 'disabled', disabled_reason: 'brand' } : endpoint));
        return { body: endpoints[0] };
      },
      'POST webhook_endpoints/we_1/roll_secret': () => ({ body: { ...endpoints[0], secret: 'whsec_rolled' } }),
      'DELETE webhook_endpoints/we_2': () => {
        endpoints = endpoints.filter((endpoint) => endpoint.id !== 'we_2');
        return { body: { id: 'we_2', deleted: true } };
      },
    });
    const { wrapper, update } = settingsPage('test');
    await settle(update);
    expect(wrapper).toContainComponent(Banner, { title: 'A webhook endpoint was disabled' });
    expect(wrapper.findAll(Banner).find((banner) => banner.prop('title') === 'A webhook endpoint was disabled')!.prop('description')).toContain('https://old.brand.test/hooks');

    wrapper.find(TextField, { label: 'Endpoint URL' })!.trigger('onChange', { target: { value: ' https://erp.brand.test/in ' } });
    scope(wrapper, 'payout.created').trigger('onChange', { target: { checked: true } });
    scope(wrapper, 'conversion.updated').trigger('onChange', { target: { checked: false } });
    button(wrapper, 'Add endpoint')!.trigger('onPress');
    await settle(update);
    expect(backend.calls.find((call) => call.route === 'POST webhook_endpoints')!.body).toEqual({
      url: 'https://erp.brand.test/in',
      enabled_events: ['conversion.created', 'payout.created'],
    });
    const shownOnce = wrapper.findAll(Banner).find((banner) => banner.prop('title') === 'Signing secret for https://erp.brand.test/in')!;
    expect(shownOnce.prop('description')).toContain('whsec_the-only-copy');
    expect(wrapper).toContainText('https://erp.brand.test/in');

    const row = (url: string) => wrapper.findAll(Box).find((node) => node.text.startsWith(url) && node.findAll(Button).length > 0)!;
    const press = async (url: string, label: string) => {
      row(url).findAll(Button).find((node) => node.text === label)!.trigger('onPress');
      await settle(update);
    };
    await press('https://crm.brand.test/hooks', 'Disable');
    expect(backend.calls.find((call) => call.route === 'PATCH webhook_endpoints/we_1')!.body).toEqual({ disabled: true });
    expect(row('https://crm.brand.test/hooks').findAll(Button).map((node) => node.text)).toContain('Enable');
    await press('https://crm.brand.test/hooks', 'Roll secret');
    expect(wrapper.findAll(Banner).find((banner) => banner.prop('title') === 'Signing secret for https://crm.brand.test/hooks')!.prop('description')).toContain('whsec_rolled');
    await press('https://old.brand.test/hooks', 'Delete');
    expect(backend.calls.some((call) => call.method === 'DELETE')).toBe(false);
    await press('https://old.brand.test/hooks', 'Confirm delete');
    expect(wrapper).not.toContainText('https://old.brand.test/hooks');
    expectSignedAndAllowed(backend.calls, 'test');
  });

  it('refuses to create a key without a scope', async () => {
    const backend = fakeBackend({ 'GET settings': { body: settings } });
    const { wrapper, update } = settingsPage();
    await settle(update);
    scope(wrapper, 'referrals').trigger('onChange', { target: { checked: false } });
    button(wrapper, 'Create API key')!.trigger('onPress');
    await settle(update);
    expect(wrapper).toContainComponent(Banner, { description: 'Choose at least one scope.' });
    expect(backend.calls.filter((call) => call.method === 'POST')).toHaveLength(0);
  });
});
