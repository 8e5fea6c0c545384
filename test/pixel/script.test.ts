import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { assertWithinBudget, GZIP_BUDGETS, loadPixel, pixelSizes } from '../../pixel/build';
import { startTestServer, type TestServer } from '../helpers/server';

const BUDGET_GZIP_BYTES = GZIP_BUDGETS.pixel;
// Blitz Rocket's tag: the pixel plus its query-string settings and signup and purchase calls.
const TRACKER_BUDGET_GZIP_BYTES = GZIP_BUDGETS['referral-tracker'];

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('pixel size', () => {
  it(`serves the referral tracker within ${TRACKER_BUDGET_GZIP_BYTES} bytes gzip -9, and keeps its calls out of the pixel`, async () => {
    expect((await pixelSizes('referral-tracker')).gzip).toBeLessThanOrEqual(TRACKER_BUDGET_GZIP_BYTES);
    expect((await loadPixel()).raw.toString()).not.toContain('track-signup');
    expect((await loadPixel('referral-tracker')).raw.toString()).toContain('track-signup');
  });

  it(`stays within ${BUDGET_GZIP_BYTES} bytes gzip -9 with every feature in`, async () => {
    const sizes = await pixelSizes();
    expect(sizes.gzip).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
    expect(sizes.brotli).toBeLessThan(sizes.gzip);
    expect(sizes.raw).toBeGreaterThan(sizes.gzip);
  });

  it('keeps the budgets the issue set, and refuses at build a script over its budget, saying by how much', () => {
    expect(GZIP_BUDGETS).toEqual({ pixel: 1200, 'referral-tracker': 1450 });
    // Random hex barely compresses: 4,000 characters gzip to about 2 KB.
    const tooBig = `(()=>{var x="${randomBytes(2000).toString('hex')}"})();`;
    expect(() => assertWithinBudget('pixel', tooBig)).toThrow(/^\/api\/script\.js is \d+ B gzip -9, over its budget of 1200 B by \d+ B: make pixel\/src smaller/);
    expect(() => assertWithinBudget('referral-tracker', tooBig)).toThrow(/^\/api\/referral-tracker\.js is \d+ B gzip -9, over its budget of 1450 B/);
    expect(() => assertWithinBudget('pixel', '(()=>{})();')).not.toThrow();
  });
});

describe('GET /api/script.js', () => {
  // node:http rather than fetch: fetch decodes bodies and adds Cache-Control: no-cache to conditional requests.
  const get = (headers: Record<string, string>, query = '') =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
      request(`${server.url}/api/script.js${query}`, { headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
      })
        .on('error', reject)
        .end();
    });

  it('serves the minified pixel in the best encoding the client accepts, with an ETag per encoding', async () => {
    const pixel = await loadPixel();
    const plain = await get({});
    expect(plain.status).toBe(200);
    expect(plain.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=86400, stale-while-revalidate=604800',
      vary: 'Accept-Encoding',
      etag: `"${pixel.version}"`,
      'access-control-allow-origin': '*',
    });
    expect(plain.headers['content-encoding']).toBeUndefined();
    const source = plain.body.toString();
    expect(source).toBe(pixel.raw.toString());
    expect(source).toMatch(/^\(\(\)=>\{/);
    expect(source).toContain('shoutout_ref');

    // Browsers list gzip first; brotli is still what they get.
    const br = await get({ 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.etag).toBe(`"${pixel.version}-br"`);
    expect(brotliDecompressSync(br.body).toString()).toBe(source);
    const gz = await get({ 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.etag).toBe(`"${pixel.version}-gz"`);
    expect(gunzipSync(gz.body).toString()).toBe(source);
  });

  it('answers 304 to a matching If-None-Match and caches a versioned URL for a year', async () => {
    const pixel = await loadPixel();
    const revalidated = await get({ 'accept-encoding': 'br', 'if-none-match': `"${pixel.version}-br"` });
    expect(revalidated.status).toBe(304);
    expect(revalidated.body.length).toBe(0);
    expect((await get({ 'if-none-match': '"stale"' })).status).toBe(200);

    for (const v of [pixel.version, `${pixel.version}-br`, `${pixel.version}-gz`]) {
      const versioned = await get({ 'accept-encoding': 'br' }, `?v=${v}`);
      expect(versioned.headers['cache-control'], v).toBe('public, max-age=31536000, immutable');
    }
    expect((await get({}, `?v=${pixel.version}-zstd`)).headers['cache-control']).toBe('public, max-age=86400, stale-while-revalidate=604800');
    expect((await get({}, '?v=old')).headers['cache-control']).toBe('public, max-age=86400, stale-while-revalidate=604800');
  });
});
