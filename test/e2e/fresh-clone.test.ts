import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { exitOf, ROOT } from '../helpers/process';

/**
 * A clone of this commit in a folder with nothing beside it, as a newcomer gets it: the fake Stripe
 * and `npm run demo` must work there, reading nothing outside the repository.
 */

const run = promisify(execFile);

// What a newcomer's shell has: none of this project's settings.
const newcomerEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(STRIPE_|SHOUTOUT_|MONGODB_|DATA_DIR$|PORT$|HOST$)/.test(name)),
);

let folder: string;
let clone: string;

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'shoutout-fresh-'));
  clone = path.join(folder, 'shoutout');
  const { stdout: head } = await run('git', ['rev-parse', 'HEAD'], { cwd: ROOT });
  await run('git', ['clone', '--quiet', '--no-checkout', ROOT, clone]);
  await run('git', ['-c', 'advice.detachedHead=false', 'checkout', '--quiet', head.trim()], { cwd: clone });
  // The dependencies as `npm install` would put them there, without fetching them again.
  await symlink(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

function start(command: string, args: string[], env: Record<string, string> = {}) {
  // Its own process group, so that stopping `npm run` stops the demo it started too.
  const child = spawn(command, args, { cwd: clone, env: { ...newcomerEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return Object.assign(child, { output: () => output });
}

async function stopGroup(child: ChildProcess) {
  if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
  await exitOf(child);
}

describe('a fresh clone with nothing beside it', () => {
  it('is the only thing in its folder', async () => {
    expect(await readdir(folder)).toEqual(['shoutout']);
  });

  it('starts the fake Stripe, which answers the real SDK with typed objects', { timeout: 60_000 }, async () => {
    const script = `
      import Stripe from 'stripe';
      import { startFakeStripe } from './test/helpers/fake-stripe.ts';
      const fake = await startFakeStripe();
      const url = new URL(fake.url);
      const stripe = new Stripe('sk_test_fresh', { host: url.hostname, port: Number(url.port), protocol: 'http' });
      const coupon = await stripe.coupons.create({ percent_off: 20, duration: 'once' });
      console.log(JSON.stringify(coupon));
      await fake.close();
    `;
    const child = start(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script]);
    expect(await exitOf(child)).toEqual({ code: 0, signal: null });
    const coupon = JSON.parse(child.output());
    expect(coupon).toMatchObject({ object: 'coupon', percent_off: 20, duration: 'once', livemode: false, valid: true });
    expect(coupon.id).toMatch(/^cpn_/);
  });

  it('runs `npm run demo`, which prints its links', { timeout: 90_000 }, async () => {
    // Free ports only so that it cannot clash with anything else on this machine; the rest is default.
    const demo = start('npm', ['run', 'demo'], { PORT: '0', SHOP_PORT: '0', CHECKOUT_PORT: '0' });
    try {
      for (let waited = 0; !demo.output().includes('Ctrl-C stops everything'); waited += 100) {
        if (demo.exitCode !== null || waited > 60_000) throw new Error(`the demo did not start: ${demo.output()}`);
        await sleep(100);
      }
      const referral = /Click annie's referral link\s+(\S+)/.exec(demo.output())?.[1];
      expect(referral).toMatch(/^http:\/\/localhost:\d+\/\?infl=ANNIE50$/);
      const landing = await fetch(referral!);
      expect(landing.status).toBe(200);
    } finally {
      await stopGroup(demo);
    }
  });
});
