import { isIPv6 } from 'node:net';
import type { Request, RequestHandler } from 'express';
import ipaddr from 'ipaddr.js';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { ApiError } from '../http/errors';
import type { Store } from '../store';

const WINDOW_SECONDS = 60;
// ISPs hand an IPv6 customer a whole /56 (or /64), and any address in it is theirs to use: counted
// per address, one visitor could go on forever.
const IPV6_PREFIX = 56;

/**
 * A fixed-window limit of `perMinute` requests per key, for the keyless tracking routes. Each route
 * says how it finds the key (`keyOf`; undefined exempts the request), and all the routes made from
 * one limiter share its counts. Over the limit the request fails with 429 and `Retry-After`.
 * Counters live in this process on the embedded store, in MongoDB (shared by every instance) on
 * MongoDB; `name` keeps one limiter's counters apart from another's.
 *
 * One counter and one promise per request: express-rate-limit, used before, cost a click some
 * 30 µs per limiter (a dozen awaits, debug calls, two headers), a tenth of the whole click.
 */
export function rateLimiter(store: Pick<Store, 'rateLimiter'>, name: string, perMinute: number) {
  const limiter = store.rateLimiter({ keyPrefix: name, points: perMinute, duration: WINDOW_SECONDS });
  return (keyOf: (req: Request) => string | undefined): RequestHandler => (req, res, next) => {
    const key = keyOf(req);
    if (key === undefined) return next();
    limiter.consume(key).then(
      () => next(),
      (refusal: unknown) => {
        if (!(refusal instanceof RateLimiterRes)) return next(refusal);
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil(refusal.msBeforeNext / 1000))));
        next(new ApiError('rate_limit_error', 'rate_limited', 'Too many tracking requests; retry after the number of seconds in Retry-After.'));
      },
    );
  };
}

/** The key a visitor's address is counted under: the address, or its /56 network for IPv6. */
export function visitorKey(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const address = ipaddr.IPv6.parse(ip);
  if (address.isIPv4MappedAddress()) return address.toIPv4Address().toString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${ip}/${IPV6_PREFIX}`).toString()}/${IPV6_PREFIX}`;
}
