import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { exitOf, ROOT } from '../helpers/process';

/**
 * A clone of the committed HEAD (uncommitted changes are not in it) in a folder with nothing beside it, as a newcomer gets it: the fake Stripe,
 * `npm run demo` and `npm start` must work there, reading nothing outside the repository.
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

function start(command: string, args: string[], env: Record<string, string> = {}, cwd = clone) {
  // Its own process group, so that stopping `npm run` stops the demo it started too.
  const child = spawn(command, args, { cwd, env: { ...newcomerEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return Object.assign(child, { output: () => output });
}

async function stopGroup(child: ChildProcess) {
  if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
  return exitOf(child);
}

/** Where a started service listens, once it says so. */
async function listening(child: ReturnType<typeof start>): Promise<string> {
  for (let waited = 0; ; waited += 100) {
    const url = /Shoutout listening on (\S+)/.exec(child.output())?.[1];
    if (url) return url;
    if (child.exitCode !== null || waited > 60_000) throw new Error(`the service did not start: ${child.output()}`);
    await sleep(100);
  }
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

  it('runs `npm start` as plain JavaScript it builds, which then runs without the sources', { timeout: 120_000 }, async () => {
    const dataDir = path.join(folder, 'data');
    const fromSource = start('npm', ['start'], { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir });
    try {
      const health = await fetch(`${await listening(fromSource)}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok', store: 'embedded' });
    } finally {
      // npm itself dies of the signal; the server's own clean exit is checked on the build below.
      await stopGroup(fromSource);
    }

    // What a deployment ships: the build, package.json and the dependencies; no TypeScript at all.
    const production = path.join(folder, 'production');
    await mkdir(production);
    await cp(path.join(clone, 'dist'), path.join(production, 'dist'), { recursive: true });
    await cp(path.join(clone, 'package.json'), path.join(production, 'package.json'));
    await symlink(path.join(ROOT, 'node_modules'), path.join(production, 'node_modules'), 'dir');
    const built = start(process.execPath, ['dist/main.js'], { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir }, production);
    try {
      const url = await listening(built);
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok', store: 'embedded' });
      const pixel = await fetch(`${url}/api/script.js`);
      expect(pixel.status).toBe(200);
      expect(await pixel.text()).toContain('shoutout_ref');
    } finally {
      expect(await stopGroup(built)).toEqual({ code: 0, signal: null });
    }
  });
});
