import { createHmac, timingSafeEqual } from 'node:crypto';

/** Returns the event if `Shoutout-Signature` is valid for this raw body and at most `toleranceSeconds` old; throws otherwise. */
export function verifyShoutoutWebhook(rawBody: string, header: string, secret: string, toleranceSeconds = 300) {
  const parts = header.split(',').map((part) => part.split('=', 2));
  const timestamp = Number(parts.find(([key]) => key === 't')?.[1]);
  const expected = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest();
  const valid = parts.some(([key, value]) => key === 'v1' && value.length === 64 && timingSafeEqual(Buffer.from(value, 'hex'), expected));
  if (!valid || !(Math.abs(Date.now() / 1000 - timestamp) <= toleranceSeconds)) throw new Error('invalid Shoutout signature');
  return JSON.parse(rawBody);
}
