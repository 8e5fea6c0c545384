/**
 * The Shoutout pixel. One file for every org (so it caches everywhere); what differs per org comes
 * from the script's data attributes or from the click response. It must never break the host page,
 * so every entry point is wrapped and failures leave the page as it was.
 */

import { REFERRAL_PARAMS } from './params';

/**
 * True in the Blitz Rocket-compatible build (`/api/referral-tracker.js`), false in `/api/script.js`,
 * whose minifier then drops what it guards: the 1,200 B budget of the pixel every page loads has no
 * room for the query-string settings and the signup and purchase calls.
 */
declare const BLITZ: boolean;

interface ClickResponse {
  ref: string | null;
  cookieDays: number;
  cleanUrl: string | null;
  creator: unknown;
  discount: unknown;
}

interface ShoutoutApi {
  ref?: string;
  code?: string;
  clickId?: string | null;
  creator?: unknown;
  discount?: unknown;
  ready: Promise<ShoutoutApi>;
  consent(granted: boolean): Promise<ShoutoutApi>;
  push(callback: (api: ShoutoutApi) => void): void;
  getReferralCode?(): string | null;
  trackSignup?(email: string): Promise<unknown>;
  trackPurchase?(orderId: string, amount: number, currency: string, email?: string): Promise<unknown>;
}

const COOKIE = 'shoutout_ref';
const STRIPE_PARAM = 'client_reference_id';
const STRIPE_ATTRIBUTE = 'client-reference-id';

const w = window as unknown as { Shoutout?: ShoutoutApi | ((api: ShoutoutApi) => void)[] };
const d = document;
const loc = location;

try {
  const script = d.currentScript as HTMLScriptElement;
  // Blitz Rocket's tag gives its settings in the script's query string (`?org=…&autoInject=stripe`).
  const data: Record<string, string | undefined> = BLITZ ? { ...Object.fromEntries(new URL(script.src).searchParams), ...script.dataset } : script.dataset;
  if (BLITZ) data.org ||= data.campaignId;
  // The API is wherever the script came from, so a first-party proxy of /api/ works unchanged.
  const api = new URL('.', script.src).href;
  const queued = w.Shoutout;
  let allowed = data.consent != 'required';
  let consented: true | undefined;
  // Whether this page's click was recorded: a consent given later has nothing to add then.
  let recorded: true | undefined;
  const stripe = BLITZ ? data.stripe == 'auto' || data.autoInject == 'stripe' : data.stripe == 'auto';

  const adopt = (ref: string) => {
    const claims = JSON.parse(atob(ref.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    S.ref = ref;
    S.code = claims.code;
    S.clickId = claims.click;
  };

  // The widest domain the browser accepts is the registrable one (brand.co.uk for
  // www.shop.brand.co.uk): browsers refuse public suffixes, so probing from the top finds it.
  const store = (ref: string, days: number) => {
    const labels = loc.hostname.split('.');
    for (let i = labels.length - 2; i >= -1 && !d.cookie.includes(ref); i--) {
      d.cookie = `${COOKIE}=${ref};path=/;max-age=${days * 86400};samesite=lax${loc.protocol == 'https:' ? ';secure' : ''}${
        i < 0 ? '' : ';domain=' + labels.slice(i).join('.')
      }`;
    }
  };

  // Only our own click ids are replaced, so a client_reference_id the brand set itself is kept; and
  // only when they differ, so the observer that sees our own change finds nothing more to do.
  const replaces = (value: string | null, id: string) => value != id && (!value || value.startsWith('clk_'));

  const decorate = () => {
    const id = S.clickId;
    if (stripe && id)
      // Links carry the id in the URL; Stripe's embeds (which have no href) in an attribute. One
      // element that cannot be read (an SVG link, a broken URL) must not stop the others.
      d.querySelectorAll('a[href*="buy.stripe.com"],stripe-buy-button,stripe-pricing-table').forEach((element) => {
        try {
          const href = element.getAttribute('href');
          if (href) {
            const url = new URL(href, loc.href);
            if (url.host == 'buy.stripe.com' && replaces(url.searchParams.get(STRIPE_PARAM), id)) {
              url.searchParams.set(STRIPE_PARAM, id);
              element.setAttribute('href', '' + url);
            }
          } else if (replaces(element.getAttribute(STRIPE_ATTRIBUTE), id)) element.setAttribute(STRIPE_ATTRIBUTE, id);
        } catch {}
      });
  };

  const run = (): Promise<ShoutoutApi> => {
    const query = new URLSearchParams(loc.search);
    let code: string | null = null;
    // An org's own aliases come from `data-params`, since the script is the same for every org.
    for (const name of (data.params ? data.params.split(/ *, */) : []).concat(REFERRAL_PARAMS)) if ((code = query.get(name))) break;
    const pageUrl = loc.href;
    return (
      allowed && code && !recorded
        ? fetch(api + 'track/click', {
            method: 'POST',
            keepalive: true,
            body: JSON.stringify({
              org: data.org,
              code,
              pageUrl,
              referrer: d.referrer,
              consent: consented,
              gpc: (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl,
              ref: S.ref,
            }),
          })
            .then((response) => (response.ok ? response.json() : 0))
            .then((click: ClickResponse | 0) => {
              if (!click) return;
              if (click.ref) {
                recorded = true;
                if (click.ref != S.ref) store(click.ref, click.cookieDays);
                adopt(click.ref);
              }
              S.creator = click.creator;
              S.discount = click.discount;
              // Unless the page has moved on meanwhile (a single-page app's own navigation).
              if (click.cleanUrl && loc.href == pageUrl) history.replaceState(history.state, '', click.cleanUrl);
            })
            .catch(() => {})
        : heartbeat()
    ).then(() => {
      decorate();
      return S;
    });
  };

  // An install check that costs one request per visit: the first page of each browser session.
  // Async only so that both branches of a pass give a promise.
  const heartbeat = async () => {
    try {
      if (allowed && !sessionStorage[COOKIE]) {
        sessionStorage[COOKIE] = 1;
        navigator.sendBeacon(api + 'tracking/verify', JSON.stringify({ org: data.org, pageUrl: loc.href }));
      }
    } catch {}
  };

  const S = {
    // Consent also outweighs Global Privacy Control, so it counts even when the page did not ask
    // for it with data-consent; `ready` then waits for the click it allows.
    consent(granted) {
      if (granted && !consented) {
        allowed = consented = true;
        // After the pass under way, whose click may yet come back recorded.
        S.ready = S.ready.then(run);
      }
      return S.ready;
    },
    push(callback) {
      try {
        callback(S);
      } catch {}
    },
  } as ShoutoutApi;
  if (BLITZ) {
    // Reported with the visitor's referral; a visitor who came through no link has nothing to report.
    const report = (path: string, body: object) =>
      S.ref
        ? fetch(api + 'referral/' + path, { method: 'POST', keepalive: true, body: JSON.stringify({ org: data.org, ref: S.ref, ...body }) }).then((response) => response.json())
        : Promise.resolve(null);
    S.getReferralCode = () => S.code || null;
    S.trackSignup = (email) => report('track-signup', { email });
    S.trackPurchase = (orderId, amount, currency, email) => report('track-purchase', { orderId, amount, currency, email });
  }
  w.Shoutout = S;

  const existing = d.cookie.match(/(^|; )shoutout_ref=([^;]+)/);
  // A mangled cookie must not stop a new click from replacing it.
  try {
    if (existing) adopt(existing[2]);
  } catch {}
  // Pricing toggles rewrite a link's href in place, and embeds can get their attribute late.
  if (stripe) new MutationObserver(decorate).observe(d.documentElement, { childList: true, subtree: true, attributeFilter: ['href', STRIPE_ATTRIBUTE] });
  S.ready = run();
  // Queued calls run after the first pass, so a queued consent(true) records the click exactly once.
  if (Array.isArray(queued)) queued.forEach(S.push);
} catch {}
