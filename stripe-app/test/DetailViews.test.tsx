import { render } from '@stripe/ui-extension-sdk/testing';
import { Badge, Banner, Button, PropertyListItem, Spinner } from '@stripe/ui-extension-sdk/ui';
import { useState } from 'react';
import CustomerDetail from '../src/views/CustomerDetail';
import PaymentDetail from '../src/views/PaymentDetail';
import { backendError, expectSignedAndAllowed, fakeBackend, pressInFragment, settle, textOf, viewContext } from './backend';
import { conversion, customerAttribution, paymentAttribution } from './fixtures';

const customerPage = (mode: 'live' | 'test' = 'live', locale?: string) =>
  render(<CustomerDetail {...viewContext('stripe.dashboard.customer.detail', { mode, locale, object: { id: 'cus_123', object: 'customer' } })} />);
const paymentPage = (locale?: string) =>
  render(<PaymentDetail {...viewContext('stripe.dashboard.payment.detail', { locale, object: { id: 'pi_123', object: 'payment_intent' } })} />);
const property = (wrapper: ReturnType<typeof customerPage>['wrapper'], label: string) => wrapper.find(PropertyListItem, { label })?.prop('value');

describe('CustomerDetail', () => {
  it('asks the backend about this customer and shows a spinner meanwhile', async () => {
    const backend = fakeBackend({ 'GET customers/cus_123': 'hang' });
    const { wrapper, update } = customerPage();
    await settle(update);
    expect(wrapper).toContainComponent(Spinner);
    expect(backend.calls.map((call) => call.route)).toEqual(['GET customers/cus_123']);
    expectSignedAndAllowed(backend.calls);
  });

  it('shows who referred the customer, through what, when, and what it earned', async () => {
    fakeBackend({ 'GET customers/cus_123': { body: customerAttribution } });
    const { wrapper, update } = customerPage();
    await settle(update);
    expect(property(wrapper, 'Referred by')).toBe('@annie');
    expect(property(wrapper, 'Through')).toBe('ANNIE20 (promo code at checkout)');
    expect(property(wrapper, 'Referred on')).toBe('Nov 18, 2025');
    expect(property(wrapper, 'First credited')).toBe('Nov 21, 2025');
    expect(property(wrapper, 'Revenue after refunds (USD)')).toBe('$98.00');
    expect(property(wrapper, 'Commission (USD)')).toBe('$9.80');
    expect(wrapper).toContainText('$49.00');
    expect(wrapper.findAll(Badge).map((badge) => badge.text)).toEqual(['Credited', 'Credited']);
  });

  it('shows the customer’s own rewards left to spend, and no line when they have none or are not known', async () => {
    fakeBackend({ 'GET customers/cus_123': { body: customerAttribution } });
    const { wrapper, update } = customerPage();
    await settle(update);
    expect(property(wrapper, 'Their rewards to spend')).toBe('25 points');

    for (const rewards of [null, { points: 0, balances: [] }]) {
      fakeBackend({ 'GET customers/cus_123': { body: { ...customerAttribution, rewards } } });
      const other = customerPage();
      await settle(other.update);
      expect(property(other.wrapper, 'Referred by')).toBe('@annie');
      expect(other.wrapper.find(PropertyListItem, { label: 'Their rewards to spend' })).toBeNull();
    }
  });

  it('writes amounts and dates in the Dashboard user’s locale', async () => {
    fakeBackend({ 'GET customers/cus_123': { body: customerAttribution } });
    const { wrapper, update } = customerPage('live', 'de-DE');
    await settle(update);
    expect(property(wrapper, 'Referred on')).toBe('18. Nov. 2025');
    expect(property(wrapper, 'Revenue after refunds (USD)')).toBe('98,00\u00a0$');
    expect(wrapper).toContainText('21. Nov. 2025 · ANNIE20 · commission 4,90\u00a0$');
  });

  it('shows a referral bound at signup when nothing was bought yet', async () => {
    fakeBackend({ 'GET customers/cus_123': { body: { ...customerAttribution, referral: null, totals: [], conversions: [] } } });
    const { wrapper, update } = customerPage();
    await settle(update);
    expect(property(wrapper, 'Referred by')).toBe('@annie');
    expect(property(wrapper, 'Through')).toBe('ANNIE20 (referral link, bound at signup)');
    expect(property(wrapper, 'Referred on')).toBe('Nov 18, 2025');
    expect(wrapper.find(PropertyListItem, { label: 'First credited' })).toBeNull();
    expect(wrapper).toContainText('No purchase credited yet.');
  });

  it('gives the signup’s date only when its creator is the one credited', async () => {
    const bobs = { ...conversion, creator: 'cr_bob', creator_handle: 'bob', code: 'BOB10' };
    fakeBackend({ 'GET customers/cus_123': { body: { ...customerAttribution, referral: bobs, conversions: [bobs] } } });
    const { wrapper, update } = customerPage();
    await settle(update);
    expect(property(wrapper, 'Referred by')).toBe('@bob');
    expect(wrapper.find(PropertyListItem, { label: 'Referred on' })).toBeNull();
    expect(property(wrapper, 'First credited')).toBe('Nov 21, 2025');
  });

  it('says so when no creator referred the customer, naming test mode', async () => {
    const backend = fakeBackend({ 'GET customers/cus_123': { body: { ...customerAttribution, referral: null, signup_referral: null, totals: [], conversions: [] } } });
    const { wrapper, update } = customerPage('test');
    await settle(update);
    expect(wrapper).toContainText('Not referred by a creator');
    expect(wrapper).toContainText('in test mode');
    expectSignedAndAllowed(backend.calls, 'test');
  });

  it('shows the backend’s message and retries', async () => {
    let attempts = 0;
    fakeBackend({
      'GET customers/cus_123': () => (attempts++ === 0 ? backendError(401, 'The Stripe-Signature is too old; fetch a new one for each request.') : { body: customerAttribution }),
    });
    const { wrapper, update } = customerPage();
    await settle(update);
    expect(wrapper).toContainComponent(Banner, { description: 'The Stripe-Signature is too old; fetch a new one for each request.' });
    pressInFragment(wrapper, wrapper.find(Banner)!.prop('actions'), 'Try again');
    await settle(update);
    expect(property(wrapper, 'Referred by')).toBe('@annie');
  });

  it('shows the spinner, not the last customer’s referral, when the Dashboard moves to another customer', async () => {
    const backend = fakeBackend({ 'GET customers/cus_123': { body: customerAttribution }, 'GET customers/cus_456': 'hang' });
    const Browsing = () => {
      const [id, setId] = useState('cus_123');
      return (
        <>
          <Button onPress={() => setId('cus_456')}>Next customer</Button>
          <CustomerDetail {...viewContext('stripe.dashboard.customer.detail', { object: { id, object: 'customer' } })} />
        </>
      );
    };
    const { wrapper, update } = render(<Browsing />);
    await settle(update);
    expect(property(wrapper, 'Referred by')).toBe('@annie');
    wrapper.find(Button)!.trigger('onPress');
    await settle(update);
    expect(backend.calls.map((call) => call.route)).toEqual(['GET customers/cus_123', 'GET customers/cus_456']);
    expect(wrapper).toContainComponent(Spinner);
    expect(wrapper.find(PropertyListItem, { label: 'Referred by' })).toBeNull();
  });

  it('explains a manifest without a backend URL instead of calling anywhere', async () => {
    const backend = fakeBackend({});
    const context = viewContext('stripe.dashboard.customer.detail', { object: { id: 'cus_123', object: 'customer' } });
    context.environment.constants = {};
    const { wrapper, update } = render(<CustomerDetail {...context} />);
    await settle(update);
    expect(wrapper).toContainComponent(Banner, { description: 'This app has no backend URL: set constants.API_BASE in stripe-app.json.' });
    expect(backend.calls).toHaveLength(0);
  });
});

describe('PaymentDetail', () => {
  it('asks the backend about this payment and shows a spinner meanwhile', async () => {
    const backend = fakeBackend({ 'GET payments/pi_123': 'hang' });
    const { wrapper, update } = paymentPage();
    await settle(update);
    expect(wrapper).toContainComponent(Spinner);
    expect(backend.calls.map((call) => call.route)).toEqual(['GET payments/pi_123']);
    expectSignedAndAllowed(backend.calls);
  });

  it('shows the conversion credited for the payment', async () => {
    fakeBackend({ 'GET payments/pi_123': { body: { ...paymentAttribution, conversion: { ...conversion, status: 'partially_refunded', refunded: 900, commission: 400 } } } });
    const { wrapper, update } = paymentPage();
    await settle(update);
    expect(property(wrapper, 'Creator')).toBe('@annie');
    expect(property(wrapper, 'Code')).toBe('ANNIE20');
    expect(property(wrapper, 'Amount')).toBe('$49.00');
    expect(property(wrapper, 'Refunded')).toBe('$9.00');
    expect(property(wrapper, 'Commission')).toBe('$4.00');
    expect(textOf(property(wrapper, 'Status') as object)).toBe('Partially refunded');
  });

  it('writes amounts and dates in the Dashboard user’s locale', async () => {
    fakeBackend({ 'GET payments/pi_123': { body: paymentAttribution } });
    const { wrapper, update } = paymentPage('de-DE');
    await settle(update);
    expect(property(wrapper, 'Amount')).toBe('49,00\u00a0$');
    expect(property(wrapper, 'Credited')).toBe('21. Nov. 2025');
  });

  it('says so when the payment was not credited to anyone', async () => {
    fakeBackend({ 'GET payments/pi_123': { body: { payment: 'pi_123', conversion: null } } });
    const { wrapper, update } = paymentPage();
    await settle(update);
    expect(wrapper).toContainText('No creator credited');
  });

  it('shows the backend’s message', async () => {
    fakeBackend({ 'GET payments/pi_123': backendError(400, 'Invalid id: must be a payment intent (pi_…) or charge (ch_…) id') });
    const { wrapper, update } = paymentPage();
    await settle(update);
    expect(wrapper).toContainComponent(Banner, { type: 'critical', description: 'Invalid id: must be a payment intent (pi_…) or charge (ch_…) id' });
  });
});
