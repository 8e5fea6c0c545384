import { createHmac, createSecretKey, hash, hkdfSync, type KeyObject, randomFillSync } from 'node:crypto';

// Random bytes come from OpenSSL a pool at a time: a call per id would cost one on every click,
// conversion and request id.
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let poolOffset = POOL_BYTES;

/**
 * `bytes` fresh random bytes as hex, in one flat string. Ids built a character at a time (as
 * nanoid's customAlphabet does) are ropes of one-character strings: with such an id as the
 * `Request-Id` header, a third of every request's allocations survived into V8's old generation
 * under load, and none with a flat string (docs/performance.md, fifth round).
 */
export function randomHex(bytes: number): string {
  if (poolOffset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += bytes;
  return pool.toString('hex', poolOffset - bytes, poolOffset);
}

/**
 * A prefixed, Stripe-style identifier such as `clk_19aef3c2d41…`: the creation time in milliseconds
 * (11 hex digits, good until the year 2527) then 64 random bits. Ids made one after another sort
 * together, so a unique index on them grows at its end as the time indexes do, rather than
 * dirtying a page at random for every insert: on SQLite that took 40% off a batch of clicks'
 * commit (docs/performance.md). The time an id gives away is the object's `created` anyway.
 */
export function newId(prefix: string): string {
  return `${prefix}_${Date.now().toString(16).padStart(11, '0')}${randomHex(8)}`;
}

/** One-shot `crypto.hash`: a third of createHash's cost, on every API key check. */
export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}

/**
 * Keys derived from SHOUTOUT_SECRET, one per purpose, so that a key used for one job (say signing
 * referral cookies) can never be replayed for another (say hashing customer ids).
 */
export class Secrets {
  /** A KeyObject, imported once: handing jose raw bytes makes it import the key on every call. */
  readonly referralSigningKey: KeyObject;
  /** Signs the Stripe App's short-lived CSV links (conversions/download.ts). */
  readonly downloadSigningKey: KeyObject;
  /** Lets the CLI run commands inside a running server on the same data dir (see cli/). */
  readonly operatorToken: string;
  // KeyObjects too: createHmac takes one without converting raw bytes on every lookup and click.
  private readonly customerKey: KeyObject;
  private readonly visitorKey: KeyObject;

  constructor(secret: string) {
    const derive = (purpose: string) => Buffer.from(hkdfSync('sha256', secret, 'shoutout', purpose, 32));
    this.customerKey = createSecretKey(derive('customer-external-id'));
    this.visitorKey = createSecretKey(derive('visitor-ip'));
    this.referralSigningKey = createSecretKey(derive('referral-token'));
    this.downloadSigningKey = createSecretKey(derive('download-token'));
    this.operatorToken = derive('operator-token').toString('base64url');
  }

  /** hmac_sha256(key, org_id + ":" + externalId): the only form in which a brand's user id is kept. */
  hashExternalId(orgId: string, externalId: string): string {
    return createHmac('sha256', this.customerKey).update(`${orgId}:${externalId}`).digest('hex');
  }

  /** Visitor IPs are kept only keyed and per org, enough to dedupe and rate-limit, not to track. */
  hashIp(orgId: string, ip: string): string {
    return createHmac('sha256', this.visitorKey).update(`${orgId}:${ip}`).digest('hex').slice(0, 32);
  }
}
