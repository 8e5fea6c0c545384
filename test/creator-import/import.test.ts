import { uniqueCode } from '../helpers/fixtures';
import { createInstalledOrg, jsonApi, startStripeStack } from '../stripe/setup';

let stack: Awaited<ReturnType<typeof startStripeStack>>;
beforeAll(async () => {
  stack = await startStripeStack();
});
afterAll(() => stack.stop());

const api = (...args: Parameters<ReturnType<typeof jsonApi>>) => jsonApi(stack.server)(...args);

describe('POST /api/creators/import', () => {
  it('lists what a dry run would do, imports each row whole, reports bad rows by row and column, and changes nothing the second time', async () => {
    const { key, scope, account } = await createInstalledOrg(stack.server.deps);
    const campaign = (await api('POST', '/api/campaigns', key, { title: 'Launch', discount_type: 'percent_off', discount_value: 10 })).body;
    const [annie, bob] = [uniqueCode('ANNIE'), uniqueCode('BOB')];
    const taken = uniqueCode('TAKEN');
    stack.stripe.seed({ id: 'cpn_elsewhere', object: 'coupon', percent_off: 50, duration: 'once' }, account);
    stack.stripe.seed({ id: 'promo_taken', object: 'promotion_code', code: taken, active: true, promotion: { type: 'coupon', coupon: 'cpn_elsewhere' } }, account);
    const csv = [
      'Handle,First_Name,last_name,email,customer_id,code',
      `annie,Annie,Apple,ANNIE@example.com,C1,${annie}`,
      `bob,,,bob@example.com,,${bob}`,
      'carol,,,not-an-email,,',
      `dave,,,,,${taken}`,
      '"eve, the second",,,,,',
    ].join('\n');

    const dry = await api('POST', '/api/creators/import', key, { csv, campaign: campaign.id, dry_run: true });
    expect(dry.body).toMatchObject({ dry_run: true, created: 3, failed: 2 });
    expect(dry.body.rows.map((row: { row: number; status: string; error?: { param: string } }) => [row.row, row.status, row.error?.param])).toEqual([
      [2, 'created', undefined],
      [3, 'created', undefined],
      [4, 'failed', 'email'],
      [5, 'created', undefined],
      [6, 'failed', 'handle'],
    ]);
    expect(await stack.server.deps.store.creators.getByHandle(scope, 'annie')).toBeNull();

    const imported = await api('POST', '/api/creators/import', key, { csv, campaign: campaign.id });
    expect(imported.body).toMatchObject({ dry_run: false, created: 2, failed: 3 });
    // Stripe refused dave's code (another coupon's): no creator without their code is left.
    expect(imported.body.rows[3]).toMatchObject({ row: 5, status: 'failed', error: { code: 'promo_code_other_coupon', param: 'code' } });
    expect(await stack.server.deps.store.creators.getByHandle(scope, 'dave')).toBeNull();
    expect(await stack.server.deps.store.creators.getByHandle(scope, 'annie')).toMatchObject({ firstName: 'Annie', lastName: 'Apple', email: 'annie@example.com', customerId: 'C1' });
    expect(await stack.server.deps.store.promoCodes.getByCode(scope, annie)).toMatchObject({ campaignId: campaign.id, stripePromotionCodeId: expect.stringMatching(/^promo_/) });

    const before = stack.stripe.requests.length;
    const again = await api('POST', '/api/creators/import', key, { csv: csv.split('\n').slice(0, 3).join('\n'), campaign: campaign.id });
    expect(again.body).toMatchObject({ created: 0, unchanged: 2, failed: 0 });
    expect(stack.stripe.requests.length).toBe(before);

    const contradicts = await api('POST', '/api/creators/import', key, { csv: 'handle,email\nannie,other@example.com' });
    expect(contradicts.body.rows[0]).toMatchObject({ row: 2, status: 'failed', error: { code: 'creator_differs', param: 'email' } });
  });

  it('refuses a sheet it cannot read, naming the column', async () => {
    const { key } = await createInstalledOrg(stack.server.deps);
    expect(await api('POST', '/api/creators/import', key, { csv: 'handle,twitter\nannie,@a' })).toMatchObject({
      status: 400,
      body: { error: { code: 'csv_invalid', param: 'csv', message: expect.stringContaining('"twitter"') } },
    });
    expect(await api('POST', '/api/creators/import', key, { csv: 'handle\n"annie' })).toMatchObject({ status: 400, body: { error: { code: 'csv_invalid' } } });
  });
});
