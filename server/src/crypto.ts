import { createHash, createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { customAlphabet } from 'nanoid';

// nanoid draws from a pooled buffer: randomBytes per id costs a call into OpenSSL every time, on
// every click, conversion and request id.
const randomHex = customAlphabet('0123456789abcdef', 24);

/** A random, prefixed, Stripe-style identifier such as `org_5f0c…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomHex()}`;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * Keys derived from SHOUTOUT_SECRET, one per purpose, so that a key used for one job (say signing
 * referral cookies) can never be replayed for another (say hashing customer ids).
 */
export class Secrets {
  /** A KeyObject, imported once: handing jose raw bytes makes it import the key on every call. */
  readonly referralSigningKey: KeyObject;
  /** Lets the CLI run commands inside a running server on the same data dir (see cli/). */
  readonly operatorToken: string;
  private readonly customerKey: Buffer;
  private readonly visitorKey: Buffer;

  constructor(secret: string) {
    const derive = (purpose: string) => Buffer.from(hkdfSync('sha256', secret, 'shoutout', purpose, 32));
    this.customerKey = derive('customer-external-id');
    this.visitorKey = derive('visitor-ip');
    this.referralSigningKey = createSecretKey(derive('referral-token'));
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
