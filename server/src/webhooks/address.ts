import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup as dnsLookupAll } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Endpoints are URLs a brand types, fetched from inside the operator's network: without these
 * checks one could point at a metadata service (169.254.169.254), an admin port on loopback or a
 * database on the private network. Only public unicast addresses are allowed; ipaddr.js classifies
 * the rest (loopback, private, link-local, unique-local, CGNAT, multicast, reserved, and IPv4
 * mapped into IPv6 as the IPv4 address it is).
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

/** `[::1]` in a URL's host is `::1` to an address parser. */
const bareHost = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * Why a URL's host is not a public address, or null when it may be: an IP literal is checked as
 * is, a name by every address it resolves to now. A name that does not resolve passes (the check
 * at delivery time still applies).
 */
export async function internalAddressOf(url: URL): Promise<string | null> {
  const host = bareHost(url.hostname);
  if (ipaddr.isValid(host)) return isPublicAddress(host) ? null : host;
  if (host === 'localhost' || host.endsWith('.localhost')) return host;
  let resolved: LookupAddress[];
  try {
    resolved = await dnsLookupAll(host, { all: true });
  } catch {
    return null;
  }
  return resolved.find((entry) => !isPublicAddress(entry.address))?.address ?? null;
}

export class InternalAddressError extends Error {
  readonly code = 'EINTERNALADDRESS';
  constructor(readonly address: string) {
    super(`refused to connect to ${address}: not a public address`);
  }
}

/**
 * A DNS lookup for the delivery's socket that refuses internal addresses. The check is on the
 * addresses the connection then uses, so a name that resolved to a public address when the
 * endpoint was saved and resolves to an internal one now (DNS rebinding) is refused.
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const refused = addresses.find((entry) => !isPublicAddress(entry.address));
    if (refused) return callback(new InternalAddressError(refused.address), '', 0);
    if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
};

/** An IP literal host is connected to without a lookup: it is checked here instead. */
export function refusedLiteral(url: URL): string | null {
  const host = bareHost(url.hostname);
  return ipaddr.isValid(host) && !isPublicAddress(host) ? host : null;
}
