import { uniqueCode } from '../helpers/fixtures';
import { createInstalledOrg, jsonApi, startStripeStack } from '../stripe/setup';

let stack: Awaited<ReturnType<typeof startStripeStack>>;
beforeAll(async () => {
  stack = await startStripeStack();
});
afterAll(() => stack.stop());

const api = (...args: Parameters<ReturnType<typeof jsonApi>>) => jsonApi(stack.server)(...args);

/** An installed org with a 20%-off campaign and an empty bank for it. */
async function bankSetup(campaignBody: Record<string, unknown> = {}) {
  const org = await createInstalledOrg(stack.server.deps);
  const campaign = (await api('POST', '/api/campaigns', org.key, { title: 'Friends', discount_type: 'percent_off', discount_value: 20, ...campaignBody })).body;
  const bank = await api('POST', '/api/coupon_banks', org.key, { campaign: campaign.id, name: 'Friends bank' });
  expect(bank).toMatchObject({ status: 201, body: { object: 'coupon_bank', campaign: campaign.id, codes: 0, remaining: 0 } });
  return { ...org, campaign, bank: bank.body };
}

const advocate = (id: string) => ({ id, first_name: 'Jaylene', last_name: 'Zheng', email: `${id.toLowerCase()}@example.mil` });

describe('coupon banks', () => {
  it('uploads codes as promotion codes of the campaign coupon, adopts the brand’s own, reports the rest per code, and is safe to run twice', async () => {
    const { key, account, scope, campaign, bank } = await bankSetup();
    const [first, second] = [uniqueCode('BANK'), uniqueCode('BANK')];
    const upload = await api('POST', `/api/coupon_banks/${bank.id}/codes`, key, { codes: [first, second] });
    expect(upload.status).toBe(200);
    expect(upload.body.results.map((r: { status: string }) => r.status)).toEqual(['created', 'created']);
    const couponId = (await stack.server.deps.store.campaigns.get(scope, campaign.id))!.stripeCouponId!;
    const created = stack.stripe.requestsTo('POST', /^\/v1\/promotion_codes$/).filter((r) => r.account === account);
    expect(created.map((r) => [r.params.code, (r.params.promotion as { coupon: string }).coupon, (r.params.metadata as Record<string, string>).shoutout_coupon_bank_id])).toEqual([
      [first, couponId, bank.id],
      [second, couponId, bank.id],
    ]);

    // The brand's own code of this coupon is adopted; one of another coupon is refused by name.
    const own = uniqueCode('OWN');
    stack.stripe.seed({ id: `promo_${own}`, object: 'promotion_code', code: own, active: true, promotion: { type: 'coupon', coupon: couponId }, restrictions: {}, max_redemptions: null, expires_at: null }, account);
    stack.stripe.seed({ id: 'cpn_other', object: 'coupon', percent_off: 50, duration: 'once' }, account);
    const foreign = uniqueCode('FOREIGN');
    stack.stripe.seed({ id: `promo_${foreign}`, object: 'promotion_code', code: foreign, active: true, promotion: { type: 'coupon', coupon: 'cpn_other' }, restrictions: {} }, account);
    const again = await api('POST', `/api/coupon_banks/${bank.id}/codes`, key, { codes: [first, own, foreign] });
    expect(again.body.results).toMatchObject([
      { code: first, status: 'unchanged' },
      { code: own, status: 'adopted' },
      { code: foreign, status: 'failed', error: { code: 'promo_code_other_coupon', param: 'code' } },
    ]);
    expect(again.body.coupon_bank).toMatchObject({ codes: 3, remaining: 3 });
    expect(await stack.server.deps.store.promoCodes.getByCode(scope, foreign)).toBeNull();
    const adopted = await stack.server.deps.store.promoCodes.getByCode(scope, own);
    expect(adopted).toMatchObject({ stripePromotionCodeId: `promo_${own}`, adopted: true, bankId: bank.id, creatorId: null });
    // Labelled on Stripe, never deactivated or recreated.
    expect(stack.stripe.get<{ metadata: Record<string, string>; active: boolean }>(`promo_${own}`, account)).toMatchObject({
      active: true,
      metadata: { shoutout_promo_code_id: adopted!.id, shoutout_coupon_bank_id: bank.id },
    });
  });

  it('hands each advocate a random unused code in seed 002’s shape, the same one when asked again, and refuses when the bank is empty', async () => {
    const { key, scope, campaign, bank } = await bankSetup();
    const codes = [uniqueCode('FB'), uniqueCode('FB')];
    await api('POST', `/api/coupon_banks/${bank.id}/codes`, key, { codes });

    const request = { campaign: { id: campaign.id }, customer: advocate('C9911'), coupon_bank_id: { id: bank.id } };
    const assigned = await api('POST', '/api/referral_codes', key, request);
    expect(assigned).toMatchObject({
      status: 201,
      body: { object: 'referral_code', campaign: campaign.id, coupon_bank: bank.id, customer: { id: 'C9911', first_name: 'Jaylene', last_name: 'Zheng', email: 'c9911@example.mil' } },
    });
    expect(codes).toContain(assigned.body.referral_code);
    expect(await api('POST', '/api/referral_codes', key, request)).toMatchObject({ status: 200, body: { referral_code: assigned.body.referral_code } });
    expect((await api('GET', `/api/coupon_banks/${bank.id}`, key)).body).toMatchObject({ codes: 2, remaining: 1 });

    const creator = (await api('GET', '/api/creators?customer_id=C9911', key)).body.data;
    expect(creator).toMatchObject([{ id: assigned.body.creator, customer_id: 'C9911', first_name: 'Jaylene', last_name: 'Zheng', name: 'Jaylene Zheng' }]);
    expect((await api('GET', '/api/creators?email=C9911@example.mil', key)).body.data).toHaveLength(1);

    // An offline purchase with only the banked code credits the advocate, named as the brand knows them.
    const sale = await api('POST', '/api/conversions', key, { order_id: 'till-9', amount: 5000, currency: 'usd', coupon_code: assigned.body.referral_code });
    expect(sale).toMatchObject({ status: 201, body: { creator: assigned.body.creator, creator_customer_id: 'C9911', creator_email: 'c9911@example.mil', creator_name: 'Jaylene Zheng' } });
    const report = await api('GET', '/api/reports?from=2020-01-01', key);
    expect(report.body.creators).toContainEqual(expect.objectContaining({ customer_id: 'C9911', email: 'c9911@example.mil', conversions: 1 }));

    await api('POST', '/api/referral_codes', key, { ...request, customer: advocate('C2') });
    const empty = await api('POST', '/api/referral_codes', key, { ...request, customer: { email: 'late@example.mil' } });
    expect(empty).toMatchObject({ status: 409, body: { error: { code: 'coupon_bank_empty', param: 'coupon_bank_id' } } });
    // The advocate made for the refused request is not left behind.
    expect(await stack.server.deps.store.creators.list(scope, { email: 'late@example.mil' })).toEqual([]);
  });

  it('never hands one code out twice when advocates ask at the same time', async () => {
    const { key, scope, campaign, bank } = await bankSetup();
    const codes = Array.from({ length: 6 }, () => uniqueCode('RACE'));
    await api('POST', `/api/coupon_banks/${bank.id}/codes`, key, { codes });
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        api('POST', '/api/referral_codes', key, { campaign: campaign.id, customer: advocate(`RACE${index}`), coupon_bank_id: bank.id }),
      ),
    );
    const handed = answers.filter((answer) => answer.status === 201).map((answer) => answer.body.referral_code);
    expect(handed.sort()).toEqual([...codes].sort());
    expect(answers.filter((answer) => answer.status === 409).map((answer) => answer.body.error.code)).toEqual(Array(4).fill('coupon_bank_empty'));
    const stored = await stack.server.deps.store.promoCodes.list(scope, { campaignId: campaign.id });
    expect(new Set(stored.map((code) => code.creatorId)).size).toBe(6);
  });

  it('attaches the brand’s own personal code to a named advocate, adopting it from Stripe', async () => {
    const { key, account, scope, campaign } = await bankSetup();
    const mine = uniqueCode('MINE');
    await api('POST', '/api/referral_codes', key, { campaign: campaign.id, customer: advocate('SEED'), coupon_code: mine });
    const couponId = (await stack.server.deps.store.campaigns.get(scope, campaign.id))!.stripeCouponId!;
    stack.stripe.seed({ id: 'promo_clooney', object: 'promotion_code', code: 'CLOONEY1', active: true, promotion: { type: 'coupon', coupon: couponId }, restrictions: {}, max_redemptions: null, expires_at: null }, account);
    const before = stack.stripe.requestsTo('POST', /^\/v1\/promotion_codes$/).length;
    const attached = await api('POST', '/api/referral_codes', key, {
      campaign: { id: campaign.id },
      customer: { id: 'C1', first_name: 'Georgie', last_name: 'Clooney', email: 'cloondog@example.mil' },
      coupon_code: 'Clooney1',
    });
    expect(attached).toMatchObject({ status: 201, body: { referral_code: 'CLOONEY1', promo_code: { adopted: true, stripe_promotion_code_id: 'promo_clooney' } } });
    expect(stack.stripe.requestsTo('POST', /^\/v1\/promotion_codes$/)).toHaveLength(before + 1);
    const sale = await api('POST', '/api/conversions', key, { order_id: 'till-10', amount: 3000, currency: 'usd', coupon_code: 'clooney1' });
    expect(sale).toMatchObject({ status: 201, body: { creator_customer_id: 'C1', creator_name: 'Georgie Clooney' } });
  });

  it('lets a campaign without a coupon yet take the coupon of the brand’s code when it gives the campaign’s discount', async () => {
    const { key, account, scope, campaign } = await bankSetup();
    stack.stripe.seed({ id: 'cpn_twenty', object: 'coupon', percent_off: 20, duration: 'once', duration_in_months: null, amount_off: null, currency: null }, account);
    stack.stripe.seed({ id: 'promo_twenty', object: 'promotion_code', code: 'TWENTY1', active: true, promotion: { type: 'coupon', coupon: 'cpn_twenty' }, restrictions: {}, max_redemptions: null, expires_at: null }, account);
    const adopted = await api('POST', '/api/referral_codes', key, { campaign: campaign.id, customer: advocate('FIT'), coupon_code: 'twenty1' });
    expect(adopted).toMatchObject({ status: 201, body: { promo_code: { adopted: true, stripe_coupon_id: 'cpn_twenty' } } });
    expect((await stack.server.deps.store.campaigns.get(scope, campaign.id))!.stripeCouponId).toBe('cpn_twenty');
    expect(stack.stripe.requestsTo('POST', /^\/v1\/coupons$/).filter((request) => request.account === account)).toEqual([]);
  });

  it('names the field of a bad request', async () => {
    const { key, campaign, bank } = await bankSetup();
    expect(await api('POST', '/api/referral_codes', key, { campaign: campaign.id, customer: { first_name: 'A' }, coupon_bank_id: bank.id })).toMatchObject({
      status: 400,
      body: { error: { param: 'customer.email' } },
    });
    expect(await api('POST', '/api/referral_codes', key, { campaign: campaign.id, customer: { email: 'a@example.mil' } })).toMatchObject({
      status: 400,
      body: { error: { param: 'coupon_bank_id' } },
    });
    expect(await api('POST', `/api/coupon_banks/${bank.id}/codes`, key, { codes: ['ok-code', 'no spaces'] })).toMatchObject({
      status: 400,
      body: { error: { param: 'codes.1' } },
    });
  });
});

describe('code restrictions', () => {
  it('sends the campaign’s restrictions with each code, a code’s own in their place, and names what Stripe refuses', async () => {
    const org = await createInstalledOrg(stack.server.deps);
    const campaign = (
      await api('POST', '/api/campaigns', org.key, {
        title: 'First orders',
        discount_type: 'percent_off',
        discount_value: 15,
        code_restrictions: { first_time_transaction: true, max_redemptions: 100 },
      })
    ).body;
    expect(campaign.code_restrictions).toMatchObject({ first_time_transaction: true, max_redemptions: 100, expires_at: null });
    const creator = (await api('POST', '/api/creators', org.key, { handle: uniqueCode('r').toLowerCase() })).body;
    const expiresAt = Math.floor(Date.now() / 1000) + 86_400;
    const code = uniqueCode('LIMIT');
    const created = await api('POST', '/api/promo_codes', org.key, {
      code,
      creator: creator.id,
      campaign: campaign.id,
      restrictions: { max_redemptions: 3, expires_at: expiresAt, minimum_amount: 2500, minimum_amount_currency: 'USD' },
    });
    expect(created).toMatchObject({
      status: 201,
      body: { restrictions: { first_time_transaction: true, max_redemptions: 3, expires_at: expiresAt, minimum_amount: 2500, minimum_amount_currency: 'usd' } },
    });
    const [sent] = stack.stripe.requestsTo('POST', /^\/v1\/promotion_codes$/).filter((r) => r.params.code === code);
    expect(sent.params).toMatchObject({
      max_redemptions: '3',
      expires_at: String(expiresAt),
      restrictions: { first_time_transaction: 'true', minimum_amount: '2500', minimum_amount_currency: 'usd' },
    });
    expect(stack.stripe.get<{ max_redemptions: number; restrictions: unknown }>(created.body.stripe_promotion_code_id, org.account)).toMatchObject({
      max_redemptions: 3,
      restrictions: { first_time_transaction: true, minimum_amount: 2500, minimum_amount_currency: 'usd' },
    });

    const past = await api('POST', '/api/promo_codes', org.key, { code: uniqueCode('OLD'), creator: creator.id, campaign: campaign.id, restrictions: { expires_at: 1_600_000_000 } });
    expect(past).toMatchObject({ status: 400, body: { error: { code: 'stripe_invalid_request', param: 'restrictions.expires_at' } } });
    const half = await api('POST', '/api/promo_codes', org.key, { code: uniqueCode('MIN'), creator: creator.id, campaign: campaign.id, restrictions: { minimum_amount: 100 } });
    expect(half).toMatchObject({ status: 400, body: { error: { param: 'restrictions.minimum_amount_currency' } } });

    // Adopting a code whose limits differ is refused: Stripe cannot change them.
    stack.stripe.seed({ id: 'promo_loose', object: 'promotion_code', code: 'LOOSE1', active: true, promotion: { type: 'coupon', coupon: created.body.stripe_coupon_id }, restrictions: { first_time_transaction: false }, max_redemptions: null, expires_at: null }, org.account);
    const loose = await api('POST', '/api/promo_codes', org.key, { stripe_promotion_code_id: 'promo_loose', creator: creator.id, campaign: campaign.id });
    expect(loose).toMatchObject({ status: 409, body: { error: { code: 'promo_code_restrictions_differ', param: 'restrictions.first_time_transaction' } } });
  });
});
