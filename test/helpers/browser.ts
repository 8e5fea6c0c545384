import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, installed by apt: tests never download a browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless Chromium that resolves the given host names to 127.0.0.1, so pages are served from real
 * multi-label hosts (www.shop.brand.co.uk) and cookie domains behave as on the web.
 */
export function launchBrowser(hostnames: string[]): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--host-resolver-rules=${hostnames.map((host) => `MAP ${host} 127.0.0.1`).join(', ')}`,
    ],
  });
}

export interface TestSite {
  /** Requests under `/shoutout/` go to `<apiUrl>/api/`: a first-party proxy of the service. */
  readonly proxyPrefix: string;
  /** `http(s)://host:port` for one of the mapped host names. */
  origin(host: string): string;
  /** Serves `html` at a fresh path and returns the path. */
  page(html: string): string;
  stop(): Promise<void>;
}

/**
 * A brand's website: any host name, any registered path. With `https`, a throwaway self-signed
 * certificate (the browser must run with --ignore-certificate-errors or a context that ignores them).
 */
export async function startTestSite(options: { https?: boolean; apiUrl?: string } = {}): Promise<TestSite> {
  const pages = new Map<string, string>();
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    if (options.apiUrl && req.url?.startsWith(PROXY_PREFIX)) return proxy(req, res, `${options.apiUrl}/api/${req.url.slice(PROXY_PREFIX.length)}`);
    const html = pages.get(new URL(req.url ?? '/', 'http://site').pathname);
    res.writeHead(html ? 200 : 404, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html ?? 'not found');
  };
  const server = options.https ? createHttpsServer(selfSignedCertificate(), handler) : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    proxyPrefix: PROXY_PREFIX,
    origin: (host) => `${options.https ? 'https' : 'http'}://${host}:${port}`,
    page(html) {
      const pagePath = `/p/${randomBytes(6).toString('hex')}`;
      pages.set(pagePath, html);
      return pagePath;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const PROXY_PREFIX = '/shoutout/';

async function proxy(req: IncomingMessage, res: ServerResponse, target: string) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = Object.fromEntries(
    Object.entries(req.headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'host'),
  );
  const response = await fetch(target, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
  res.writeHead(response.status, { 'content-type': response.headers.get('content-type') ?? 'text/plain' });
  res.end(Buffer.from(await response.arrayBuffer()));
}

function selfSignedCertificate() {
  const dir = mkdtempSync(path.join(tmpdir(), 'shoutout-cert-'));
  try {
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=brand.test', '-keyout', key, '-out', cert], {
      stdio: 'ignore',
    });
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
