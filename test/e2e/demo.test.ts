import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { exitOf, spawnTs } from '../helpers/process';

/** `npm run demo` as a person uses it: start it, click through the links it prints, run it again. */

const DESKTOP_CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  browser = await launchBrowser([]);
  dataDir = await mkdtemp(path.join(tmpdir(), 'shoutout-demo-'));
});
afterAll(async () => {
  await browser?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Runs the demo until it has printed its links; ports 0 so that it never clashes with anything. */
async function runDemo() {
  const child = spawnTs('examples/demo.ts', [], { DATA_DIR: dataDir, PORT: '0', SHOP_PORT: '0', CHECKOUT_PORT: '0' });
  for (let waited = 0; !child.output().includes('Ctrl-C stops everything'); waited += 100) {
    if (child.exitCode !== null || waited > 30_000) throw new Error(`the demo did not start: ${child.output()}`);
    await sleep(100);
  }
  const printed = (pattern: RegExp) => {
    const match = pattern.exec(child.output());
    if (!match) throw new Error(`the demo did not print ${pattern}: ${child.output()}`);
    return match[1];
  };
  return {
    child,
    referral: printed(/Click annie's referral link\s+(\S+)/),
    report: printed(/The report\s+(\S+)/),
    api: printed(/^ {2}API\s+(\S+)/m),
    adminKey: printed(/reports -H "Authorization: Bearer (\S+)"/),
  };
}

async function stop(child: ReturnType<typeof spawnTs>) {
  child.kill('SIGTERM');
  expect(await exitOf(child)).toEqual({ code: 0, signal: null });
}

/** Lands on the referral link, signs up and pays on the fake Checkout; returns the page on the receipt. */
async function buyThroughReferral(referral: string): Promise<Page> {
  const context = await browser.newContext({ userAgent: DESKTOP_CHROME });
  const page = await context.newPage();
  await page.goto(referral);
  await page.evaluate(() => (window as unknown as { Shoutout: { ready: Promise<unknown> } }).Shoutout.ready);
  const shop = new URL(referral).origin;
  await page.goto(`${shop}/signup`);
  await page.fill('input[name=email]', `buyer${Date.now()}@example.com`);
  await page.fill('input[name=password]', 'correct horse battery');
  await Promise.all([page.waitForURL(`${shop}/account`), page.click('button[type=submit]')]);
  await Promise.all([page.waitForURL(/\/c\/pay\/cs_test_/), page.click('text=Buy the Summer tee')]);
  expect(await page.textContent('#promotion-code')).toBe('ANNIE50');
  await page.click('text=Pay');
  expect(await page.textContent('#webhook')).toContain('"outcome":"processed"');
  return page;
}

async function annieOf(demo: Awaited<ReturnType<typeof runDemo>>) {
  const response = await fetch(`${demo.api}/reports`, { headers: { authorization: `Bearer ${demo.adminKey}` } });
  const report = await response.json();
  return { creators: report.creators.length, annie: report.creators.find((row: { handle: string }) => row.handle === 'annie') };
}

describe('npm run demo', () => {
  it('can be clicked through from the links it prints, and run again on the same data', { timeout: 90_000 }, async () => {
    const first = await runDemo();
    try {
      expect(first.child.output()).toContain('fake Stripe');
      const receipt = await buyThroughReferral(first.referral);
      expect(await annieOf(first)).toMatchObject({ creators: 1, annie: { clicks: 1, signups: 1, conversions: 1, revenue: 3200, commission: 320 } });

      // The Payment Link page: the pixel decorated the link, and the demo pays it on the fake Stripe.
      await receipt.goto(`${new URL(first.referral).origin}/pricing`);
      await receipt.evaluate(() => (window as unknown as { Shoutout: { ready: Promise<unknown> } }).Shoutout.ready);
      expect(await receipt.getAttribute('#payment-link', 'href')).toMatch(/client_reference_id=clk_/);
      await receipt.click('text=Demo: pay this link on the fake Stripe');
      expect(await receipt.textContent('#webhook')).toContain('"outcome":"processed"');
      expect(await annieOf(first)).toMatchObject({ annie: { conversions: 2, revenue: 7200 } });

      await receipt.goto(first.report);
      expect(await receipt.textContent('pre')).toContain('"handle": "annie"');
      await receipt.context().close();
    } finally {
      await stop(first.child);
    }

    // Again: the same org, creator and code (and a working key), and checkout still applies ANNIE50.
    const second = await runDemo();
    try {
      expect(second.adminKey).toBe(first.adminKey);
      const receipt = await buyThroughReferral(second.referral);
      // The same browser through the same link within the hour is one visit; the signup and sale are new.
      expect(await annieOf(second)).toMatchObject({ creators: 1, annie: { clicks: 1, signups: 2, conversions: 3, revenue: 10_400 } });
      await receipt.context().close();
    } finally {
      await stop(second.child);
    }
  });
});
