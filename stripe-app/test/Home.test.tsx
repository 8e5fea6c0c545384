import type { RoleDefinition } from '@stripe/ui-extension-sdk/context';
import { render } from '@stripe/ui-extension-sdk/testing';
import { Banner, BarChart, Button, ContextView, FocusView, Link, Select, Spinner, TextArea, TextField } from '@stripe/ui-extension-sdk/ui';
import { clipboardWriteText, showToast } from '@stripe/ui-extension-sdk/utils';
import type { Balance, PayoutRecord } from '../src/types';
import Home from '../src/views/Home';
import { backendError, expectSignedAndAllowed, fakeBackend, pressInFragment, settle, viewContext } from './backend';
import { conversion, notGranted, overview } from './fixtures';

const drawer = (mode: 'live' | 'test' = 'live', locale?: string, roles?: RoleDefinition[]) =>
  render(<Home {...viewContext('stripe.dashboard.drawer.default', { mode, locale, roles })} />);
type Wrapper = ReturnType<typeof drawer>['wrapper'];
const button = (wrapper: Wrapper, label: string) => wrapper.findAll(Button).find((node) => node.text === label) ?? null;
const pressAction = (wrapper: Wrapper, label: string) => pressInFragment(wrapper, wrapper.find(ContextView)!.prop('actions'), label);

/** The chart's bars for the fixture's one earning creator, in main units. */
const annieBars = (revenue: number, commission: number) => [
  { creator: '@annie', amount: revenue, kind: 'Revenue' },
  { creator: '@annie', amount: commission, kind: 'Commission' },
];

describe('Home (drawer)', () => {
  it('shows a spinner while the overview loads', async () => {
    const backend = fakeBackend({ 'GET overview': 'hang' });
    const { wrapper, update } = drawer();
    await settle(update);
    expect(wrapper).toContainComponent(Spinner);
    expect(wrapper).toContainText('Loading campaigns and creators');
    expect(backend.calls.map((call) => call.route)).toEqual(['GET overview']);
    expect(backend.calls[0].url.searchParams.get('period')).toBe('30d');
    expectSignedAndAllowed(backend.calls);
  });

  it('shows the backend’s message on error and retries', async () => {
    let attempts = 0;
    const backend = fakeBackend({
      'GET overview': () => (attempts++ === 0 ? backendError(503, 'The store is unreachable.') : { body: overview }),
    });
    const { wrapper, update } = drawer();
    await settle(update);
    expect(wrapper).toContainComponent(Banner, { type: 'critical', description: 'The store is unreachable.' });
    pressInFragment(wrapper, wrapper.find(Banner)!.prop('actions'), 'Try again');
    await settle(update);
    expect(wrapper).not.toContainComponent(Banner);
    expect(wrapper).toContainText('Annie Lee (@annie)');
    expect(backend.calls).toHaveLength(2);
  });

  it('says when the backend cannot be reached', async () => {
    fakeBackend({ 'GET overview': 'network-error' });
    const { wrapper, update } = drawer();
    await settle(update);
    expect(wrapper).toContainComponent(Banner, { description: 'Could not reach Shoutout at https://shoutout.example.com.' });
  });

  it('invites to create a campaign when there is none', async () => {
    fakeBackend({ 'GET overview': { body: { ...overview, campaigns: [], creators: [] } } });
    const { wrapper, update } = drawer();
    await settle(update);
    expect(wrapper).toContainText('No campaigns yet');
    expect(button(wrapper, 'Create a campaign')).not.toBeNull();
  });

  it('shows a user whose Dashboard roles only look the program without the actions that change it', async () => {
    const readOnly: RoleDefinition[] = [
      { id: 'view_only', name: 'View only', type: 'builtIn' },
      { id: 'analyst', name: 'Analyst', type: 'builtIn' },
    ];
    fakeBackend({ 'GET overview': { body: overview } });
    const { wrapper, update } = drawer('live', undefined, readOnly);
    await settle(update);
    expect(wrapper).toContainComponent(Banner, { title: 'View only' });
    expect(wrapper.find(Banner, { title: 'View only' })!.prop('description')).toContain('Your Dashboard role (View only, Analyst)');
    expect(wrapper.find(ContextView)!.prop('actions')).toBeUndefined();
    expect(wrapper).toContainText('ANNIE20');
    expect(wrapper.findAll(Button).map((node) => node.text)).not.toEqual(expect.arrayContaining(['Deactivate']));
    expect(button(wrapper, 'Reactivate')).toBeNull();
    expect(button(wrapper, 'Copy link')).not.toBeNull();

    // One managing role among them is enough; a custom role is the account's to define, and a role
    // sent without its id cannot be told apart.
    const managingRoles: RoleDefinition[][] = [
      [...readOnly, { id: 'developer', name: 'Developer', type: 'builtIn' }],
      [{ id: 'ops_lead', name: 'Ops lead', type: 'custom' }],
      [{ name: 'Analyst', type: 'builtIn' }],
    ];
    for (const roles of managingRoles) {
      const managing = drawer('live', undefined, roles);
      await settle(managing.update);
      expect(managing.wrapper.findAll(Banner).some((node) => node.prop('title') === 'View only')).toBe(false);
      expect(button(managing.wrapper, 'Deactivate')).not.toBeNull();
      expect(managing.wrapper.find(ContextView)!.prop('actions')).toBeDefined();
    }
  });

  it('shows the server’s grant message where the actions would be, for a user it has not granted', async () => {
    const backend = fakeBackend({ 'GET overview': { body: { ...overview, access: notGranted } } });
    const { wrapper, update } = drawer();
    await settle(update);
    expect(wrapper).toContainComponent(Banner, { title: 'Changes need a grant', description: notGranted.message! });
    expect(wrapper.find(ContextView)!.prop('actions')).toBeUndefined();
    for (const label of ['Deactivate', 'Reactivate', 'Invite to portal', 'Add creator']) expect(button(wrapper, label)).toBeNull();
    // Reading stays open: figures, codes and links.
    expect(wrapper).toContainText('ANNIE20');
    expect(button(wrapper, 'Copy link')).not.toBeNull();
    expect(backend.calls.map((call) => call.route)).toEqual(['GET overview']);
  });

  it('shows the server’s refusal in place when a grant was revoked after the drawer loaded', async () => {
    const refusal = { status: 403, body: { error: { type: 'permission_error', code: 'app_user_not_granted', message: notGranted.message, request_id: 'req_1' } } };
    const backend = fakeBackend({ 'GET overview': { body: overview }, 'PATCH promo_codes/pc_annie': refusal });
    const { wrapper, update } = drawer();
    await settle(update);
    button(wrapper, 'Deactivate')!.trigger('onPress');
    await settle(update);
    expect(wrapper).toContainComponent(Banner, { title: 'That did not work', description: notGranted.message! });
    expect(backend.calls.map((call) => call.route)).toEqual(['GET overview', 'PATCH promo_codes/pc_annie']);
    expect(showToast).not.toHaveBeenCalled();
  });

  it('does not invite a read-only user to create what they may not', async () => {
    fakeBackend({ 'GET overview': { body: { ...overview, campaigns: [], creators: [] } } });
    const { wrapper, update } = drawer('live', undefined, [{ id: 'support_specialist', name: 'Support specialist', type: 'builtIn' }]);
    await settle(update);
    expect(wrapper).toContainText('No campaigns yet');
    expect(button(wrapper, 'Create a campaign')).toBeNull();
  });

  it('invites to add a creator when a campaign has none', async () => {
    fakeBackend({ 'GET overview': { body: { ...overview, creators: [] } } });
    const { wrapper, update } = drawer();
    await settle(update);
    expect(wrapper).toContainText('No creators yet');
  });

  it('shows totals, campaigns, creators with their codes, and a chart for the chosen period', async () => {
    const backend = fakeBackend({ 'GET overview': (call) => ({ body: { ...overview, period: call.url.searchParams.get('period') } }) });
    const { wrapper, update } = drawer();
    await settle(update);
    expect(wrapper.find(ContextView)!.prop('description')).toBeUndefined();
    expect(wrapper).toContainText('$123.45');
    expect(wrapper).toContainText('40 clicks · 6 signups · 3 conversions · $123.45 revenue · $12.34 commission');
    expect(wrapper).toContainText('Summer drop');
    expect(wrapper).toContainText('Annie Lee (@annie)');
    expect(wrapper).toContainText('ANNIE20');
    expect(wrapper).toContainText('ANNIEOLD');
    expect(wrapper.find(BarChart)!.prop('data')).toEqual(annieBars(100, 10));

    wrapper.find(Select, { name: 'period' })!.trigger('onChange', { target: { value: '7d' } });
    await settle(update);
    expect(backend.calls.map((call) => call.url.searchParams.get('period'))).toEqual(['30d', '7d']);
    expectSignedAndAllowed(backend.calls);
  });

  it('shows each creator’s rewards left to spend, and nothing for a creator without any', async () => {
    fakeBackend({ 'GET overview': { body: overview } });
    const { wrapper, update } = drawer();
    await settle(update);
    expect(wrapper).toContainText('Rewards to spend: 120 points · $5.00');
    expect(wrapper.text.match(/Rewards to spend/g)).toHaveLength(1);

    const german = drawer('live', 'de-DE');
    await settle(german.update);
    expect(german.wrapper).toContainText('Rewards to spend: 120 points · 5,00\u00a0$');
  });

  it('shows revenue net of refunds, and says what the figures leave out', async () => {
    const totals = { ...overview.totals, refunds: 2_345, self_referrals: 2 };
    const annie = { ...overview.creators[0], figures: { ...overview.creators[0].figures, refunds: 4_000 } };
    fakeBackend({
      'GET overview': { body: { ...overview, totals, creators: [annie, overview.creators[1]], other_currencies: [{ currency: 'eur', conversions: 3, commission: 450 }, { currency: 'jpy', conversions: 0, commission: 500 }] } },
    });
    const { wrapper, update } = drawer();
    await settle(update);
    expect(wrapper).toContainText('3 conversions · $100.00 revenue · $12.34 commission · $23.45 refunded · 2 self-referrals left out');
    expect(wrapper.find(BarChart)!.prop('data')).toEqual(annieBars(60, 10));
    expect(wrapper.find(Banner, { title: 'Other currencies are not in these figures' })!.prop('description')).toBe(
      'Figures are in USD; left out: 3 conversions in EUR, €4.50 commission, ¥500 commission.',
    );
  });

  it('writes figures in the Dashboard user’s locale', async () => {
    fakeBackend({ 'GET overview': { body: { ...overview, totals: { ...overview.totals, clicks: 12_345 } } } });
    const { wrapper, update } = drawer('live', 'de-DE');
    await settle(update);
    expect(wrapper).toContainText('12.345 clicks · 6 signups · 3 conversions · 123,45\u00a0$ revenue · 12,34\u00a0$ commission');
  });

  it('charts amounts in main units of a zero-decimal currency', async () => {
    fakeBackend({ 'GET overview': { body: { ...overview, currency: 'jpy' } } });
    const { wrapper, update } = drawer();
    await settle(update);
    expect(wrapper).toContainText('¥12,345');
    expect(wrapper.find(BarChart)!.prop('data')).toEqual(annieBars(10_000, 1_000));
  });

  it('shows the spinner, not the last period’s figures, while another period loads', async () => {
    fakeBackend({ 'GET overview': (call) => (call.url.searchParams.get('period') === '30d' ? { body: overview } : 'hang') });
    const { wrapper, update } = drawer();
    await settle(update);
    expect(wrapper).toContainText('Annie Lee (@annie)');
    wrapper.find(Select, { name: 'period' })!.trigger('onChange', { target: { value: '7d' } });
    await settle(update);
    expect(wrapper).toContainComponent(Spinner);
    expect(wrapper).not.toContainText('Annie Lee (@annie)');
  });

  it('keeps the figures on screen while a change reloads them', async () => {
    let loads = 0;
    fakeBackend({
      'GET overview': () => (loads++ === 0 ? { body: overview } : 'hang'),
      'PATCH promo_codes/pc_annie': (call) => ({ body: { ...overview.creators[0].promo_codes[0], ...(call.body as object) } }),
    });
    const { wrapper, update } = drawer();
    await settle(update);
    button(wrapper, 'Deactivate')!.trigger('onPress');
    await settle(update);
    expect(loads).toBe(2);
    expect(wrapper).not.toContainComponent(Spinner);
    expect(wrapper).toContainText('Annie Lee (@annie)');
  });

  it('deactivates and reactivates a code on the backend, then reloads', async () => {
    const backend = fakeBackend({
      'GET overview': { body: overview },
      'PATCH promo_codes/pc_annie': (call) => ({ body: { ...overview.creators[0].promo_codes[0], ...(call.body as object) } }),
      'PATCH promo_codes/pc_annie_old': (call) => ({ body: { ...overview.creators[0].promo_codes[1], ...(call.body as object) } }),
    });
    const { wrapper, update } = drawer();
    await settle(update);
    button(wrapper, 'Deactivate')!.trigger('onPress');
    await settle(update);
    button(wrapper, 'Reactivate')!.trigger('onPress');
    await settle(update);
    const writes = backend.calls.filter((call) => call.method === 'PATCH');
    expect(writes.map((call) => [call.route, call.body])).toEqual([
      ['PATCH promo_codes/pc_annie', { active: false }],
      ['PATCH promo_codes/pc_annie_old', { active: true }],
    ]);
    expect(writes[0].headers['Content-Type']).toBe('application/json');
    expect(backend.calls.filter((call) => call.route === 'GET overview')).toHaveLength(3);
    expectSignedAndAllowed(backend.calls);
  });

  it('shows why a code could not be deactivated', async () => {
    fakeBackend({
      'GET overview': { body: overview },
      'PATCH promo_codes/pc_annie': { status: 502, body: { error: { message: 'Stripe refused to deactivate the promotion code: No such promotion code' } } },
    });
    const { wrapper, update } = drawer();
    await settle(update);
    button(wrapper, 'Deactivate')!.trigger('onPress');
    await settle(update);
    expect(wrapper).toContainComponent(Banner, {
      type: 'critical',
      description: 'Stripe refused to deactivate the promotion code: No such promotion code',
    });
  });

  it('invites a creator with an email to their portal page', async () => {
    const backend = fakeBackend({
      'GET overview': { body: overview },
      'POST creators/cr_annie/invitation': { status: 201, body: { object: 'portal_invitation', creator: 'cr_annie', sent: true } },
    });
    const { wrapper, update } = drawer();
    await settle(update);
    // Bob has no email: only Annie can be invited.
    expect(wrapper.findAll(Button).filter((node) => node.text === 'Invite to portal')).toHaveLength(1);
    button(wrapper, 'Invite to portal')!.trigger('onPress');
    await settle(update);
    expect(backend.calls.filter((call) => call.method === 'POST').map((call) => call.route)).toEqual(['POST creators/cr_annie/invitation']);
    expect(showToast).toHaveBeenCalledWith('Invitation sent to annie@creators.test', { type: 'success' });
    expectSignedAndAllowed(backend.calls);
  });

  it('shows in place why an invitation was not sent', async () => {
    const message = 'Email is not set up on this Shoutout server (SMTP_URL and EMAIL_FROM).';
    fakeBackend({ 'GET overview': { body: overview }, 'POST creators/cr_annie/invitation': backendError(422, message) });
    const { wrapper, update } = drawer();
    await settle(update);
    button(wrapper, 'Invite to portal')!.trigger('onPress');
    await settle(update);
    expect(wrapper).toContainComponent(Banner, { title: 'That did not work', description: message });
    expect(showToast).not.toHaveBeenCalled();
  });

  it('copies a creator’s share link', async () => {
    fakeBackend({ 'GET overview': { body: overview } });
    const { wrapper, update } = drawer();
    await settle(update);
    button(wrapper, 'Copy link')!.trigger('onPress');
    await settle(update);
    expect(clipboardWriteText).toHaveBeenCalledWith('https://brand.test/?infl=ANNIE20');
  });

  it('opens a creator’s conversions for the period, a page at a time, with the CSV link', async () => {
    const page = (ids: string[], hasMore: boolean) => ({
      body: {
        object: 'list',
        data: ids.map((id) => ({ ...conversion, id, amount: 4_800 + Number(id.slice(-1)) * 100 })),
        has_more: hasMore,
        download_path: '/api/downloads/conversions?token=signed.token',
      },
    });
    const backend = fakeBackend({
      'GET overview': { body: overview },
      'GET conversions': (call) => (call.url.searchParams.get('starting_after') ? page(['conv_3'], false) : page(['conv_1', 'conv_2'], true)),
    });
    const { wrapper, update } = drawer();
    await settle(update);
    wrapper.findAll(Button).filter((node) => node.text === 'Conversions')[0].trigger('onPress');
    await settle(update);

    const view = () => wrapper.find(FocusView, { title: 'Conversions of @annie' })!;
    expect(view()).toContainText('$49.00');
    expect(view()).toContainText('$50.00');
    expect(view()).not.toContainText('$51.00');
    const [first] = backend.calls.filter((call) => call.route === 'GET conversions');
    expect(Object.fromEntries(['from', 'to', 'creator'].map((key) => [key, first.url.searchParams.get(key)]))).toEqual({
      from: String(overview.from),
      to: String(overview.to),
      creator: 'cr_annie',
    });
    expect(view().find(Link)).toHaveProps({ href: 'https://shoutout.example.com/api/downloads/conversions?token=signed.token', external: true });

    // Pressed twice before the page arrives: fetched, and shown, once.
    const loadMore = view().findAll(Button).find((node) => node.text === 'Load more')!;
    loadMore.trigger('onPress');
    loadMore.trigger('onPress');
    await settle(update);
    const more = backend.calls.filter((call) => call.url.searchParams.has('starting_after'));
    expect(more.map((call) => call.url.searchParams.get('starting_after'))).toEqual(['conv_2']);
    expect(view().text.match(/Credited/g)).toHaveLength(3);
    expect(view()).toContainText('$49.00');
    expect(view()).toContainText('$51.00');
    expect(view().findAll(Button).some((node) => node.text === 'Load more')).toBe(false);
    expectSignedAndAllowed(backend.calls);
  });

  it('names each conversion’s creator when showing everyone’s, and says when there is none', async () => {
    let empty = false;
    fakeBackend({
      'GET overview': { body: overview },
      'GET conversions': (call) => {
        expect(call.url.searchParams.has('creator')).toBe(false);
        return { body: { object: 'list', data: empty ? [] : [conversion], has_more: false, download_path: '/api/downloads/conversions?token=t' } };
      },
    });
    const { wrapper, update } = drawer();
    await settle(update);
    button(wrapper, 'View conversions')!.trigger('onPress');
    await settle(update);
    expect(wrapper.find(FocusView, { title: 'Conversions' })).toContainText('@annie · ');

    empty = true;
    pressInFragment(wrapper, wrapper.find(FocusView, { title: 'Conversions' })!.prop('secondaryAction'), 'Close');
    await settle(update);
    expect(wrapper.find(FocusView, { title: 'Conversions' })).toBeNull();
    button(wrapper, 'View conversions')!.trigger('onPress');
    await settle(update);
    expect(wrapper.find(FocusView, { title: 'Conversions' })).toContainText('No conversions in this period');
  });

  it('disables copying when the brand has no domain yet', async () => {
    const noDomain = structuredClone(overview);
    noDomain.creators[0].promo_codes = noDomain.creators[0].promo_codes.map((code) => ({ ...code, share_url: null }));
    fakeBackend({ 'GET overview': { body: noDomain } });
    const { wrapper, update } = drawer();
    await settle(update);
    expect(button(wrapper, 'Copy link')).toHaveProps({ disabled: true });
    expect(wrapper).toContainText('Add an allowed domain in the app settings to get share links.');
  });

  it('tells test-mode data apart and asks the backend for test mode', async () => {
    const backend = fakeBackend({ 'GET overview': { body: overview } });
    const { wrapper, update } = drawer('test');
    await settle(update);
    expect(wrapper.find(ContextView)).toHaveProps({ description: 'Test mode data' });
    expect(wrapper).toContainText('Annie Lee');
    expectSignedAndAllowed(backend.calls, 'test');
  });
});

describe('Home: add a creator', () => {
  const creatorForm = (wrapper: Wrapper) => wrapper.find(FocusView, { title: 'Add a creator' })!;
  const type = (wrapper: Wrapper, name: string, value: string) =>
    creatorForm(wrapper).find(TextField, { name })!.trigger('onChange', { target: { value } });
  const submit = async (wrapper: Wrapper, update: () => Promise<void>) => {
    pressInFragment(wrapper, creatorForm(wrapper).prop('primaryAction'), 'Create creator and code');
    await settle(update);
  };

  it('opens from the drawer and refuses an empty or malformed form without calling the backend', async () => {
    const backend = fakeBackend({ 'GET overview': { body: overview } });
    const { wrapper, update } = drawer();
    await settle(update);
    expect(creatorForm(wrapper)).toHaveProps({ shown: false });
    pressAction(wrapper, 'Add creator');
    await update();
    expect(creatorForm(wrapper)).toHaveProps({ shown: true });

    await submit(wrapper, update);
    expect(creatorForm(wrapper).find(TextField, { name: 'handle' })).toHaveProps({ invalid: true, error: 'Enter the creator’s handle.' });
    expect(creatorForm(wrapper).find(TextField, { name: 'code' })).toHaveProps({ invalid: true, error: 'Enter the promo code customers will type.' });

    type(wrapper, 'handle', 'annie lee');
    type(wrapper, 'code', 'a!');
    type(wrapper, 'email', 'not-an-email');
    await submit(wrapper, update);
    expect(creatorForm(wrapper).find(TextField, { name: 'handle' })).toHaveProps({ error: 'Use 1–40 letters, digits, _, . or -.' });
    expect(creatorForm(wrapper).find(TextField, { name: 'code' })).toHaveProps({ error: 'Use 3–40 letters, digits, _ or -.' });
    expect(creatorForm(wrapper).find(TextField, { name: 'email' })).toHaveProps({ invalid: true });
    expect(backend.calls.filter((call) => call.method === 'POST')).toHaveLength(0);
  });

  it('creates the creator and code through the backend, then closes and reloads', async () => {
    const backend = fakeBackend({
      'GET overview': { body: overview },
      'POST creators': (call) => ({ status: 201, body: { id: 'cr_new', ...(call.body as object) } }),
    });
    const { wrapper, update } = drawer();
    await settle(update);
    pressAction(wrapper, 'Add creator');
    type(wrapper, 'handle', ' Carla ');
    type(wrapper, 'name', 'Carla Diaz');
    type(wrapper, 'code', 'carla15');
    await submit(wrapper, update);

    const post = backend.calls.find((call) => call.route === 'POST creators')!;
    expect(post.body).toEqual({ handle: 'carla', name: 'Carla Diaz', code: 'CARLA15', campaign: 'cmp_summer' });
    expect(creatorForm(wrapper)).toHaveProps({ shown: false });
    expect(backend.calls.filter((call) => call.route === 'GET overview')).toHaveLength(2);
    expectSignedAndAllowed(backend.calls);
  });

  it('says that an existing handle gets the code, keeping that creator’s name and email', async () => {
    fakeBackend({ 'GET overview': { body: overview } });
    const { wrapper, update } = drawer();
    await settle(update);
    expect(creatorForm(wrapper).find(TextField, { name: 'handle' })).toHaveProps({
      description: 'Lower-case. An existing creator’s handle gives that creator this code too; their name and email stay as they are.',
    });
  });

  it('puts the backend’s refusal on the field it names', async () => {
    fakeBackend({
      'GET overview': { body: overview },
      'POST creators': backendError(409, 'The code ANNIE20 is already in use.', 'code'),
    });
    const { wrapper, update } = drawer();
    await settle(update);
    pressAction(wrapper, 'Add creator');
    type(wrapper, 'handle', 'annie2');
    type(wrapper, 'code', 'ANNIE20');
    await submit(wrapper, update);
    expect(creatorForm(wrapper).find(TextField, { name: 'code' })).toHaveProps({ error: 'The code ANNIE20 is already in use.' });
    expect(creatorForm(wrapper)).toHaveProps({ shown: true });
  });
});

describe('Home: new campaign', () => {
  /** The drawer of a brand without campaigns, its new-campaign form open. */
  async function openCampaignForm() {
    const backend = fakeBackend({
      'GET overview': { body: { ...overview, campaigns: [], creators: [] } },
      'POST campaigns': { status: 201, body: { id: 'cmp_new' } },
    });
    const { wrapper, update } = drawer();
    await settle(update);
    button(wrapper, 'Create a campaign')!.trigger('onPress');
    return { backend, wrapper, update, form: () => wrapper.find(FocusView, { title: 'New campaign' })! };
  }

  it('validates, then posts a percent-off campaign with its commission', async () => {
    const { backend, wrapper, update, form } = await openCampaignForm();
    pressInFragment(wrapper, form().prop('primaryAction'), 'Create campaign');
    await settle(update);
    expect(form().find(TextField, { name: 'title' })).toHaveProps({ error: 'Enter a title.' });
    expect(form().find(TextField, { name: 'percentOff' })).toHaveProps({ error: 'Enter a discount between 1 and 100 percent.' });
    expect(backend.calls.filter((call) => call.method === 'POST')).toHaveLength(0);

    form().find(TextField, { name: 'title' })!.trigger('onChange', { target: { value: 'Autumn' } });
    form().find(TextField, { name: 'percentOff' })!.trigger('onChange', { target: { value: '15' } });
    form().find(TextField, { name: 'commissionPercent' })!.trigger('onChange', { target: { value: '10' } });
    pressInFragment(wrapper, form().prop('primaryAction'), 'Create campaign');
    await settle(update);
    expect(backend.calls.find((call) => call.route === 'POST campaigns')!.body).toEqual({
      title: 'Autumn',
      discount_type: 'percent_off',
      discount_value: 15,
      commission: { type: 'percent', value: 10 },
    });
    expect(form()).toHaveProps({ shown: false });
  });

  it('offers reward rules, checks each, and posts them in minor units', async () => {
    const { backend, wrapper, update, form } = await openCampaignForm();
    const set = (name: string, value: string) => {
      const text = form().find(TextField, { name });
      if (text) text.trigger('onChange', { target: { value } });
      else form().find(Select, { name })!.trigger('onChange', { target: { value } });
    };
    set('title', 'Friends get points');
    set('percentOff', '10');
    set('commissionPercent', '5');
    const addReward = () => form().findAll(Button).find((node) => node.text === 'Add a reward')!.trigger('onPress');
    addReward();
    addReward();
    addReward();
    // 1: 50 points to the friend on signup. 2: $2.50 to the creator on every purchase. 3: 1 point per €10 spent.
    set('reward-0-recipient', 'friend');
    set('reward-0-trigger', 'signup');
    set('reward-0-value', '50');
    set('reward-1-kind', 'amount');
    set('reward-1-value', '2.50');
    set('reward-2-trigger', 'amount_spent');
    set('reward-2-value', '1');
    // Only a fixed amount or a per-amount rule asks for a currency.
    expect(form().find(TextField, { name: 'reward-0-currency' })).toBeNull();
    expect(form().find(TextField, { name: 'reward-1-perAmount' })).toBeNull();
    pressInFragment(wrapper, form().prop('primaryAction'), 'Create campaign');
    await settle(update);
    expect(form().find(TextField, { name: 'reward-1-currency' })).toHaveProps({ error: 'Enter a three-letter currency such as usd.' });
    expect(form().find(TextField, { name: 'reward-2-perAmount' })).toHaveProps({ error: 'Enter how much is spent per reward, such as 10.' });
    expect(backend.calls.filter((call) => call.method === 'POST')).toHaveLength(0);

    set('reward-1-currency', 'USD');
    set('reward-2-currency', 'eur');
    set('reward-2-perAmount', '10');
    pressInFragment(wrapper, form().prop('primaryAction'), 'Create campaign');
    await settle(update);
    expect(backend.calls.find((call) => call.route === 'POST campaigns')!.body).toEqual({
      title: 'Friends get points',
      discount_type: 'percent_off',
      discount_value: 10,
      commission: { type: 'percent', value: 5 },
      rewards: [
        { recipient: 'friend', trigger: 'signup', points: 50 },
        { recipient: 'advocate', trigger: 'purchase', amount: 250, currency: 'usd' },
        { recipient: 'advocate', trigger: 'amount_spent', points: 1, per: { amount: 1000, currency: 'eur' } },
      ],
    });
    expect(form()).toHaveProps({ shown: false });
    expectSignedAndAllowed(backend.calls);
  });

  it('removes a reward rule before sending', async () => {
    const backend = fakeBackend({ 'GET overview': { body: overview }, 'POST campaigns': { status: 201, body: { id: 'cmp_new' } } });
    const { wrapper, update } = drawer();
    await settle(update);
    pressAction(wrapper, 'New campaign');
    const form = () => wrapper.find(FocusView, { title: 'New campaign' })!;
    form().find(TextField, { name: 'title' })!.trigger('onChange', { target: { value: 'Plain' } });
    form().find(TextField, { name: 'percentOff' })!.trigger('onChange', { target: { value: '10' } });
    form().find(TextField, { name: 'commissionPercent' })!.trigger('onChange', { target: { value: '5' } });
    form().findAll(Button).find((node) => node.text === 'Add a reward')!.trigger('onPress');
    form().findAll(Button).find((node) => node.text === 'Remove this reward')!.trigger('onPress');
    pressInFragment(wrapper, form().prop('primaryAction'), 'Create campaign');
    await settle(update);
    expect(backend.calls.find((call) => call.route === 'POST campaigns')!.body).not.toHaveProperty('rewards');
  });

  it('lets the first campaign’s creator form default to that campaign', async () => {
    let campaigns: typeof overview.campaigns = [];
    const backend = fakeBackend({
      'GET overview': () => ({ body: { ...overview, campaigns, creators: [] } }),
      'POST campaigns': () => {
        campaigns = overview.campaigns;
        return { status: 201, body: campaigns[0] };
      },
      'POST creators': { status: 201, body: {} },
    });
    const { wrapper, update } = drawer();
    await settle(update);
    button(wrapper, 'Create a campaign')!.trigger('onPress');
    const campaignForm = () => wrapper.find(FocusView, { title: 'New campaign' })!;
    campaignForm().find(TextField, { name: 'title' })!.trigger('onChange', { target: { value: 'Summer drop' } });
    campaignForm().find(TextField, { name: 'percentOff' })!.trigger('onChange', { target: { value: '20' } });
    campaignForm().find(TextField, { name: 'commissionPercent' })!.trigger('onChange', { target: { value: '10' } });
    pressInFragment(wrapper, campaignForm().prop('primaryAction'), 'Create campaign');
    await settle(update);

    pressAction(wrapper, 'Add creator');
    const creatorForm = () => wrapper.find(FocusView, { title: 'Add a creator' })!;
    creatorForm().find(TextField, { name: 'handle' })!.trigger('onChange', { target: { value: 'annie' } });
    creatorForm().find(TextField, { name: 'code' })!.trigger('onChange', { target: { value: 'ANNIE20' } });
    pressInFragment(wrapper, creatorForm().prop('primaryAction'), 'Create creator and code');
    await settle(update);
    expect(backend.calls.find((call) => call.route === 'POST creators')!.body).toMatchObject({ campaign: 'cmp_summer' });
  });
});

describe('Home: payouts', () => {
  const balance = (fields: Partial<Balance>): Balance => ({ creator: 'cr_annie', creator_handle: 'annie', currency: 'usd', due: 12_500, pending: 3_000, paid: 40_000, due_through: 1_780_000_000, ...fields });
  const payoutRecord = (fields: Partial<PayoutRecord>): PayoutRecord => ({
    id: 'po_2',
    creator: 'cr_annie',
    creator_handle: 'annie',
    currency: 'usd',
    amount: 12_500,
    period: { start: 1_780_000_000, end: 1_782_592_000 },
    adjustments: 0,
    reference: 'PAYPAL-7Y2',
    created: 1_782_000_000,
    statement_path: `/api/downloads/conversions?token=statement.${fields.id ?? 'po_2'}`,
    ...fields,
  });
  const balances = (...data: Balance[]) => ({ body: { object: 'list', data, payout_hold_days: 30 } });
  const view = (wrapper: Wrapper) => wrapper.find(FocusView, { title: 'Creator payouts' })!;
  const press = (wrapper: Wrapper, label: string) => view(wrapper).findAll(Button).find((node) => node.text === label)!.trigger('onPress');
  const noPayouts = { body: { object: 'list', data: [], has_more: false } };
  async function open(routes: Parameters<typeof fakeBackend>[0], roles?: RoleDefinition[]) {
    const backend = fakeBackend({ 'GET overview': { body: overview }, 'GET payouts': noPayouts, ...routes });
    const rendered = drawer('live', undefined, roles);
    await settle(rendered.update);
    button(rendered.wrapper, 'Payouts')!.trigger('onPress');
    await settle(rendered.update);
    return { backend, ...rendered };
  }

  it('shows what each creator is due, pending and paid, and records a payout of the amount shown', async () => {
    let paid = false;
    const { backend, wrapper, update } = await open({
      'GET payouts/balances': () => (paid ? balances(balance({ due: 0, paid: 52_500 })) : balances(balance({}), balance({ creator: 'cr_bob', creator_handle: 'bob', due: 0, pending: 900, paid: 0 }))),
      'POST payouts': () => {
        paid = true;
        return { status: 201, body: { id: 'po_1', object: 'payout', amount: 12_500 } };
      },
      'GET payouts': () => (paid ? { body: { object: 'list', data: [payoutRecord({})], has_more: false } } : noPayouts),
    });
    expect(view(wrapper)).toContainText('Commission is due 30 days after the sale');
    expect(view(wrapper)).toContainText('@annie · USD');
    expect(view(wrapper)).toContainText('$125.00 due · $30.00 pending · $400.00 paid');
    expect(view(wrapper)).toContainText('$0.00 due · $9.00 pending · $0.00 paid');
    // Only annie has something due.
    expect(view(wrapper).findAll(Button).filter((node) => node.text === 'Record payout')).toHaveLength(1);

    press(wrapper, 'Record payout');
    await update();
    view(wrapper).find(TextField, { name: 'reference' })!.trigger('onChange', { target: { value: ' PAYPAL-7Y2 ' } });
    await update();
    // Pressed twice before the answer: recorded once.
    press(wrapper, 'Mark $125.00 as paid');
    press(wrapper, 'Mark $125.00 as paid');
    await settle(update);
    expect(backend.calls.filter((call) => call.route === 'POST payouts').map((call) => call.body)).toEqual([
      { creator: 'cr_annie', currency: 'usd', amount: 12_500, due_through: 1_780_000_000, reference: 'PAYPAL-7Y2' },
    ]);
    expect(showToast).toHaveBeenCalledWith('Recorded $125.00 paid to @annie', { type: 'success' });
    expect(view(wrapper)).toContainText('$0.00 due · $30.00 pending · $525.00 paid');
    expect(view(wrapper).findAll(Button).some((node) => node.text === 'Record payout')).toBe(false);
    // The payout just recorded heads the history.
    expect(view(wrapper)).toContainText('Payouts recorded');
    expect(view(wrapper)).toContainText('@annie · $125.00');
    expectSignedAndAllowed(backend.calls);
  });

  it('shows a read-only user what is due and paid, without recording anything', async () => {
    const { backend, wrapper } = await open(
      { 'GET payouts/balances': balances(balance({})), 'GET payouts': { body: { object: 'list', data: [payoutRecord({})], has_more: false } } },
      [{ id: 'view_only', name: 'View only', type: 'builtIn' }],
    );
    expect(view(wrapper)).toContainText('$125.00 due · $30.00 pending · $400.00 paid');
    expect(view(wrapper)).toContainText('@annie · $125.00');
    expect(view(wrapper).findAll(Button).some((node) => node.text === 'Record payout')).toBe(false);
    expect(backend.calls.some((call) => call.route === 'POST payouts')).toBe(false);
  });

  it('lists the payouts recorded, each with its statement, a page at a time', async () => {
    const { backend, wrapper, update } = await open({
      'GET payouts/balances': balances(balance({ due: 0 })),
      'GET payouts': (call) =>
        call.url.searchParams.get('starting_after')
          ? { body: { object: 'list', data: [payoutRecord({ id: 'po_1', period: { start: null, end: 1_780_000_000 }, reference: null })], has_more: false } }
          : { body: { object: 'list', data: [payoutRecord({ adjustments: -500 })], has_more: true } },
    });
    const history = view(wrapper);
    expect(history).toContainText('@annie · $125.00');
    expect(history).toContainText('Paid Jun 21, 2026 · PAYPAL-7Y2 · sales May 28, 2026 – Jun 27, 2026 · -$5.00 adjustments for earlier sales');
    expect(history.find(Link)).toHaveProps({ href: 'https://shoutout.example.com/api/downloads/conversions?token=statement.po_2', external: true });

    press(wrapper, 'Load more');
    press(wrapper, 'Load more');
    await settle(update);
    expect(backend.calls.filter((call) => call.url.searchParams.has('starting_after')).map((call) => call.url.searchParams.get('starting_after'))).toEqual(['po_2']);
    expect(view(wrapper)).toContainText('sales before May 28, 2026');
    expect(view(wrapper).findAll(Link)).toHaveLength(2);
    expect(view(wrapper).findAll(Button).some((node) => node.text === 'Load more')).toBe(false);
  });

  it('drops a page of the history that arrives after recording a payout reloaded it', async () => {
    let paid = false;
    let answerOlderPage: (reply: { body: unknown }) => void = () => undefined;
    const { backend, wrapper, update } = await open({
      'GET payouts/balances': () => balances(balance({ due: paid ? 0 : 12_500 })),
      'POST payouts': () => {
        paid = true;
        return { status: 201, body: { id: 'po_3', object: 'payout', amount: 12_500 } };
      },
      'GET payouts': (call) =>
        call.url.searchParams.get('starting_after')
          ? new Promise((resolve) => (answerOlderPage = resolve))
          : { body: { object: 'list', data: paid ? [payoutRecord({ id: 'po_3', amount: 12_500 }), payoutRecord({ amount: 9_900 })] : [payoutRecord({ amount: 9_900 })], has_more: true } },
    });
    // Called, not triggered: the test renderer stops taking snapshots while a triggered promise is pending.
    const loadMore = view(wrapper).findAll(Button).find((node) => node.text === 'Load more')!.prop('onPress') as () => Promise<void>;
    void loadMore();
    await settle(update);
    press(wrapper, 'Record payout');
    await update();
    press(wrapper, 'Mark $125.00 as paid');
    await settle(update);
    expect(view(wrapper)).toContainText('@annie · $125.00');

    // The page after po_2 of the history as it was: shown under the new first page, it would repeat
    // or skip payouts, so it is not shown at all.
    answerOlderPage({ body: { object: 'list', data: [payoutRecord({ id: 'po_1', amount: 7_700 })], has_more: false } });
    await settle(update);
    expect(backend.calls.filter((call) => call.url.searchParams.has('starting_after'))).toHaveLength(1);
    expect(view(wrapper).findAll(Link)).toHaveLength(2);
    expect(view(wrapper)).not.toContainText('$77.00');
    expect(view(wrapper).findAll(Button).some((node) => node.text === 'Load more')).toBe(true);
  });

  it('shows the new balance when a refund changed it before the payout was recorded', async () => {
    let refunded = false;
    const { backend, wrapper, update } = await open({
      'GET payouts/balances': () => balances(balance({ due: refunded ? 10_000 : 12_500 })),
      'POST payouts': () => {
        refunded = true;
        return { status: 409, body: { error: { code: 'balance_changed', message: 'annie is due 10000, not 12500, in usd.', param: 'amount' } } };
      },
    });
    press(wrapper, 'Record payout');
    await update();
    press(wrapper, 'Mark $125.00 as paid');
    await settle(update);
    expect(view(wrapper)).toContainComponent(Banner, { title: 'The payout was not recorded', description: 'What is due to @annie changed since this view opened (a refund, or a sale that arrived late). Check the new balance and record it again.' });
    expect(view(wrapper)).toContainText('$100.00 due');
    expect(view(wrapper).findAll(Button).some((node) => node.text === 'Mark $125.00 as paid')).toBe(false);
    expect(backend.calls.filter((call) => call.route === 'GET payouts/balances')).toHaveLength(2);
  });

  it('says what refunds after a payout leave to recover, and when there is no commission yet', async () => {
    const { wrapper } = await open({ 'GET payouts/balances': balances(balance({ due: -500, pending: 0 })) });
    expect(view(wrapper)).toContainText('$0.00 due · $0.00 pending · $400.00 paid');
    expect(view(wrapper)).toContainText('Refunds after the last payout: $5.00 comes off later commission.');
    expect(view(wrapper).findAll(Button).some((node) => node.text === 'Record payout')).toBe(false);

    const empty = await open({ 'GET payouts/balances': balances() });
    expect(view(empty.wrapper)).toContainText('No commission yet');
  });

  describe('coupon banks and imports', () => {
    const banksView = (wrapper: Wrapper) => wrapper.find(FocusView, { title: 'Coupon banks and imports' })!;
    const press = async (wrapper: Wrapper, update: () => Promise<void>, label: string) => {
      banksView(wrapper).findAll(Button).find((node) => node.text === label)!.trigger('onPress');
      await settle(update);
    };

    it('shows each bank’s remaining codes, uploads pasted codes, and imports a pasted sheet after a dry run', async () => {
      const bank = { id: 'cbk_1', name: 'Friends', campaign: 'cmp_summer', codes: 3, remaining: 2 };
      const backend = fakeBackend({
        'GET overview': { body: overview },
        'GET coupon_banks': { body: { data: [bank] } },
        'POST coupon_banks/cbk_1/codes': (call) => ({
          body: { coupon_bank: { ...bank, codes: 5, remaining: 4 }, results: (call.body as { codes: string[] }).codes.map((code) => ({ code, status: 'created' })) },
        }),
        'POST creators/import': (call) => {
          const dryRun = (call.body as { dry_run: boolean }).dry_run;
          return { body: { dry_run: dryRun, created: 1, code_added: 0, unchanged: 0, failed: 1, rows: [{ row: 3, handle: 'bob', status: 'failed', code: null, error: { message: 'Invalid email', param: 'email' } }] } };
        },
      });
      const { wrapper, update } = drawer();
      await settle(update);
      pressAction(wrapper, 'Coupon banks and imports');
      await settle(update);
      expect(banksView(wrapper)).toContainText('2 of 3 codes left');

      banksView(wrapper).find(TextArea, { name: 'codes-cbk_1' })!.trigger('onChange', { target: { value: 'FRND1\nFRND2, ' } });
      await press(wrapper, update, 'Add codes to Friends');
      expect(backend.calls.find((call) => call.route === 'POST coupon_banks/cbk_1/codes')!.body).toEqual({ codes: ['FRND1', 'FRND2'] });
      expect(showToast).toHaveBeenCalledWith('4 codes left in Friends', { type: 'success' });

      banksView(wrapper).find(TextArea, { name: 'sheet' })!.trigger('onChange', { target: { value: 'handle,email\nann,a@x.test\nbob,nope' } });
      await press(wrapper, update, 'Check (dry run)');
      expect(banksView(wrapper)).toContainText('Would create 1, 0 given a code, 0 unchanged, 1 failed');
      expect(banksView(wrapper)).toContainText('Row 3, email: Invalid email');
      await press(wrapper, update, 'Import');
      const imports = backend.calls.filter((call) => call.route === 'POST creators/import').map((call) => call.body);
      expect(imports).toEqual([
        { csv: 'handle,email\nann,a@x.test\nbob,nope', campaign: 'cmp_summer', dry_run: true },
        { csv: 'handle,email\nann,a@x.test\nbob,nope', campaign: 'cmp_summer', dry_run: false },
      ]);
      // The drawer reloads to show the imported creators.
      expect(backend.calls.filter((call) => call.route === 'GET overview')).toHaveLength(2);
      expectSignedAndAllowed(backend.calls);
    });
  });
});
