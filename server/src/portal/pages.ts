import QRCode from 'qrcode';
import { formatMoney } from '../../../stripe-app/src/format';
import type { Period } from '../app/schemas';
import { DEFAULT_BRAND_COLOR, type Org } from '../orgs/repo';
import type { presentBalance, presentPayout } from '../payouts/present';
import { barChart } from './chart';
import { Html, html } from './html';
import type { portalConversions, PortalContext, portalOverview, portalPoints, SeriesName } from './service';

const LOCALE = 'en-US';
const dateFormat = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeZone: 'UTC' });
const formatDate = (date: Date) => dateFormat.format(date);
const shortDate = new Intl.DateTimeFormat(LOCALE, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const formatCount = (count: number) => new Intl.NumberFormat(LOCALE).format(count);
export const money = (minor: number, currency: string) => formatMoney(minor, currency, LOCALE);

export type Section = 'overview' | 'conversions' | 'payouts' | 'points';

/** The page's chrome. The brand's colour comes in one style block carrying the response's CSP nonce. */
interface Frame {
  /** None on pages reached without a known brand (a used link): then the portal's own neutral look. */
  org?: Org;
  title: string;
  nonce: string;
  /** Signed in: the nav and sign-out. */
  context?: PortalContext;
  section?: Section;
}

/** White or near-black text on the brand's colour, whichever reads better (WCAG relative luminance). */
function textOn(hex: string): string {
  const channel = (offset: number) => {
    const value = parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) ? '#ffffff' : '#111418';
}

const NAV: { section: Section; label: string; path: string }[] = [
  { section: 'overview', label: 'Overview', path: '/portal/' },
  { section: 'conversions', label: 'Sales', path: '/portal/conversions' },
  { section: 'payouts', label: 'Payouts', path: '/portal/payouts' },
  { section: 'points', label: 'Points', path: '/portal/points' },
];

const NEUTRAL = { name: 'Creator page', brandColor: DEFAULT_BRAND_COLOR };

export function layout(frame: Frame, content: Html): string {
  const { context, section } = frame;
  const org = frame.org ?? NEUTRAL;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${frame.title} · ${org.name}</title>
<link rel="stylesheet" href="/portal/assets/portal.css">
<style nonce="${frame.nonce}">:root{--brand:${org.brandColor};--on-brand:${textOn(org.brandColor)}}</style>
<script src="/portal/assets/portal.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="masthead">
<div class="wrap masthead-row">
<span class="brand">${org.name}</span>
${context && !context.scope.livemode ? html`<span class="badge">Test mode</span>` : ''}
${context ? html`<form method="post" action="/portal/sign-out" class="sign-out"><button type="submit" class="link-button">Sign out</button></form>` : ''}
</div>
${
  context
    ? html`<nav class="wrap tabs" aria-label="Creator page">${NAV.filter((item) => item.section !== 'points' || context.rewards).map(
        (item) => html`<a href="${item.path}"${item.section === section ? html` aria-current="page"` : ''}>${item.label}</a>`,
      )}</nav>`
    : ''
}
</header>
<main id="main" class="wrap">
${content}
</main>
<footer class="wrap footer">${context ? html`Signed in as <strong>${context.creator.handle}</strong> · ` : ''}${frame.org ? `Creator page of ${org.name}` : ''}</footer>
<div class="sr-only" aria-live="polite" data-announce></div>
</body>
</html>`.value;
}

export function signInPage(org: Org, mode: 'live' | 'test', emailReady: boolean, error?: string): Html {
  if (!emailReady) {
    return html`<section class="card narrow">
<h1>Sign in to ${org.name}</h1>
<p class="notice" role="status">Email is not set up on this server yet, so sign-in links cannot be sent. Ask ${org.name} for a sign-in link.</p>
</section>`;
  }
  return html`<section class="card narrow">
<h1>Sign in to ${org.name}</h1>
<p>Enter the email address ${org.name} has for you. We will email you a link that signs you in; there is no password.</p>
<form method="post" action="/portal/sign-in" class="stack" novalidate>
<input type="hidden" name="org" value="${org.id}">
<input type="hidden" name="mode" value="${mode}">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" inputmode="email" required${error ? html` aria-invalid="true" aria-describedby="email-error"` : ''}>
${error ? html`<p id="email-error" class="error">${error}</p>` : ''}
<button type="submit" class="primary">Email me a sign-in link</button>
</form>
</section>`;
}

export function signInSentPage(org: Org, minutes: number, signInPath: string): Html {
  return html`<section class="card narrow" role="status">
<h1>Check your email</h1>
<p>If that address belongs to a creator of ${org.name}, a sign-in link is on its way. It works once, for ${minutes} minutes.</p>
<p class="muted">Nothing arrived? Check your spam folder, or <a href="${signInPath}">ask for another link</a>.</p>
</section>`;
}

/** A sign-in link opens this page rather than signing in at once: mail scanners that fetch links do not use them up. */
export function confirmSignInPage(org: Org, token: string): Html {
  return html`<section class="card narrow">
<h1>Sign in to ${org.name}</h1>
<p>Continue to your creator page.</p>
<form method="post" action="/portal/auth"><input type="hidden" name="token" value="${token}"><button type="submit" class="primary">Continue</button></form>
</section>`;
}

export function messagePage(heading: string, message: string, action?: { label: string; path: string }): Html {
  return html`<section class="card narrow">
<h1>${heading}</h1>
<p>${message}</p>
${action ? html`<p><a class="button" href="${action.path}">${action.label}</a></p>` : ''}
</section>`;
}

/** qrcode's SVG is markup drawn from the text it encodes, which it never echoes: safe to embed as is. */
const qrSvg = (text: string) => QRCode.toString(text, { type: 'svg', margin: 1, errorCorrectionLevel: 'M', color: { dark: '#111418', light: '#ffffff' } });

const PERIODS: { period: Period; label: string }[] = [
  { period: '7d', label: '7 days' },
  { period: '30d', label: '30 days' },
  { period: '90d', label: '90 days' },
  { period: '365d', label: '12 months' },
];

const SERIES: { name: SeriesName; label: string; money: boolean }[] = [
  { name: 'clicks', label: 'Clicks', money: false },
  { name: 'signups', label: 'Signups', money: false },
  { name: 'conversions', label: 'Sales', money: false },
  { name: 'revenue', label: 'Revenue', money: true },
  { name: 'commission', label: 'Commission', money: true },
];

function balancesTable(balances: ReturnType<typeof presentBalance>[]): Html {
  if (!balances.length) return html`<p class="muted">Nothing earned yet: your commission shows here once your first sale comes in.</p>`;
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="Balance per currency"><table class="balances">
<thead><tr><th scope="col">Currency</th><th scope="col" class="num">Due</th><th scope="col" class="num">Pending</th><th scope="col" class="num">Paid</th></tr></thead>
<tbody>${balances.map(
    (balance) => html`<tr data-currency="${balance.currency}"><th scope="row">${balance.currency.toUpperCase()}</th><td class="num" data-balance="due">${money(balance.due, balance.currency)}</td><td class="num" data-balance="pending">${money(balance.pending, balance.currency)}</td><td class="num" data-balance="paid">${money(balance.paid, balance.currency)}</td></tr>`,
  )}</tbody></table></div>
<p class="muted small">Pending commission is waiting out the brand’s hold period, in case of refunds; then it is due.</p>`;
}

export async function overviewPage(overview: Awaited<ReturnType<typeof portalOverview>>, context: PortalContext): Promise<Html> {
  const { figures, chart, currency, links, period } = overview;
  const format = (seriesMoney: boolean) => (value: number) => (seriesMoney ? money(value, currency) : formatCount(value));
  const qrs = await Promise.all(links.map((link) => qrSvg(link.url ?? link.code)));
  const linkCards = links.length
    ? links.map((link, index) => html`<article class="card share" data-code="${link.code}">
<div class="share-text">
${link.campaign ? html`<h3>${link.campaign}</h3>` : ''}
${
  link.url
    ? html`<p class="field-label" id="link-${index}">Your link</p>
<div class="copy-row"><output class="copy-value" aria-labelledby="link-${index}" data-share-url>${link.url}</output><button type="button" class="copy" data-copy="${link.url}" aria-label="Copy your link">Copy link</button></div>`
    : ''
}
<p class="field-label" id="code-${index}">Your code</p>
<div class="copy-row"><output class="copy-value code" aria-labelledby="code-${index}">${link.code}</output><button type="button" class="copy" data-copy="${link.code}" aria-label="Copy your code">Copy code</button></div>
</div>
<figure class="qr"><div class="qr-image" role="img" aria-label="QR code for ${link.url ?? link.code}">${new Html(qrs[index])}</div><figcaption>Scan to open ${link.url ? 'your link' : 'your code'}</figcaption></figure>
</article>`)
    : html`<p class="muted">You have no active code yet: ${context.org.name} will add one.</p>`;
  const first = chart.starts[0];
  const last = chart.starts.at(-1)!;
  const dayLabel = (start: Date) => (period === '365d' ? `Week of ${formatDate(start)}` : formatDate(start));
  return html`<h1>Hi ${context.creator.name}</h1>
<section aria-labelledby="links-heading">
<h2 id="links-heading">Share</h2>
<div class="cards">${linkCards}</div>
</section>
<section aria-labelledby="results-heading">
<div class="section-head">
<h2 id="results-heading">Results</h2>
<nav class="periods" aria-label="Period">${PERIODS.map(
    (item) => html`<a href="/portal/?period=${item.period}"${item.period === period ? html` aria-current="true"` : ''}>${item.label}</a>`,
  )}</nav>
</div>
<p class="muted small">${formatDate(overview.from)} – ${formatDate(new Date(overview.to.getTime() - 1))} (UTC) · amounts in ${currency.toUpperCase()}</p>
<div class="figures">${SERIES.map(
    (series) => html`<div class="card figure" data-figure="${series.name}">
<p class="figure-label">${series.label}</p>
<p class="figure-value" data-value="${figures[series.name]}">${format(series.money)(figures[series.name])}</p>
${barChart({ label: `${series.label} per ${period === '365d' ? 'week' : 'day'}`, starts: chart.starts, values: chart.series[series.name], format: format(series.money), dayLabel })}
<p class="axis-labels" aria-hidden="true"><span>${shortDate.format(first)}</span><span>${shortDate.format(last)}</span></p>
</div>`,
  )}</div>
</section>
<section aria-labelledby="balance-heading">
<h2 id="balance-heading">Balance</h2>
${balancesTable(overview.balances)}
<p><a href="/portal/payouts">Payouts and statements</a></p>
</section>
${overview.points ? html`<section aria-labelledby="points-heading">
<h2 id="points-heading">Points</h2>
${rewardBalances(overview.points.balances)}
<p><a href="/portal/points">Points history</a></p>
</section>` : ''}`;
}

/** Points as a count, a fixed-amount reward as money. */
const rewardValue = (amount: number, unit: string) => (unit === 'points' ? `${formatCount(amount)} ${Math.abs(amount) === 1 ? 'point' : 'points'}` : money(amount, unit));

function rewardBalances(balances: Awaited<ReturnType<typeof portalPoints>>['balances']): Html {
  if (!balances.length) return html`<p class="muted" data-reward-balance="points" data-value="0">No points yet: you earn them as your referrals sign up and buy.</p>`;
  return html`<div class="figures">${balances.map(
    (balance) => html`<div class="card figure" data-reward-balance="${balance.unit}">
<p class="figure-label">${balance.unit === 'points' ? 'Points' : `Rewards in ${balance.unit.toUpperCase()}`}</p>
<p class="figure-value" data-value="${balance.balance}">${rewardValue(balance.balance, balance.unit)}</p>
<p class="muted small">${rewardValue(balance.earned, balance.unit)} earned${balance.taken_back ? ` · ${rewardValue(balance.taken_back, balance.unit)} taken back by refunds` : ''}${balance.redeemed ? ` · ${rewardValue(balance.redeemed, balance.unit)} spent` : ''}</p>
</div>`,
  )}</div>`;
}

const TRIGGER_LABELS: Record<string, string> = { signup: 'A referral signed up', first_purchase: 'A referral’s first purchase', purchase: 'A referral’s purchase', amount_spent: 'A referral’s purchase' };

export function pointsPage(points: Awaited<ReturnType<typeof portalPoints>>, isFirstPage: boolean): Html {
  const rows = points.entries.map(
    (entry) => html`<tr data-entry="${entry.id}">
<td>${formatDate(entry.createdAt)}</td>
<td>${entry.kind === 'redemption' ? html`Spent${entry.reference ? html`<span class="muted small block">${entry.reference}</span>` : ''}` : html`${TRIGGER_LABELS[entry.trigger ?? ''] ?? 'Reward'}${entry.campaign ? html`<span class="muted small block">${entry.campaign}</span>` : ''}`}</td>
<td class="num">${rewardValue(entry.amount, entry.unit)}${entry.base !== entry.amount && entry.kind === 'reward' ? html`<span class="muted small block">${rewardValue(entry.base - entry.amount, entry.unit)} taken back</span>` : ''}</td>
</tr>`,
  );
  return html`<h1>Points</h1>
<section aria-labelledby="points-heading"><h2 id="points-heading">Balance</h2>${rewardBalances(points.balances)}</section>
<section aria-labelledby="ledger-heading"><h2 id="ledger-heading">History</h2>
<p class="muted">What earned you points, what refunds took back, and what you spent, newest first.</p>
${
  rows.length
    ? html`<div class="table-scroll" tabindex="0" role="region" aria-label="Points history"><table>
<thead><tr><th scope="col">Date</th><th scope="col">What</th><th scope="col" class="num">Points</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
    : html`<p class="muted">${isFirstPage ? 'Nothing yet.' : 'Nothing older.'}</p>`
}
<p class="pager">${isFirstPage ? '' : html`<a href="/portal/points">Newest</a>`}${points.nextAfter ? html`<a href="/portal/points?starting_after=${points.nextAfter}">Older</a>` : ''}</p>
</section>`;
}

const STATUS_LABELS: Record<string, string> = { credited: 'Credited', partially_refunded: 'Partly refunded', refunded: 'Refunded', flagged: 'Not credited (own purchase)' };

export function conversionsPage(page: Awaited<ReturnType<typeof portalConversions>>, isFirstPage: boolean): Html {
  const rows = page.conversions.map(
    (conversion) => html`<tr data-conversion="${conversion.id}">
<td>${formatDate(conversion.createdAt)}</td>
<td>${conversion.campaign ?? '—'}${conversion.code ? html`<span class="muted small block">${conversion.code}</span>` : ''}</td>
<td class="num">${money(conversion.amount, conversion.currency)}${conversion.refunded ? html`<span class="muted small block">${money(conversion.refunded, conversion.currency)} refunded</span>` : ''}</td>
<td class="num">${money(conversion.commission, conversion.commissionCurrency)}</td>
<td>${STATUS_LABELS[conversion.status] ?? conversion.status}</td>
</tr>`,
  );
  return html`<h1>Sales</h1>
<p class="muted">Every sale credited to you, newest first. Buyers are not shown: only what the sale earned.</p>
${
  rows.length
    ? html`<div class="table-scroll" tabindex="0" role="region" aria-label="Sales"><table>
<thead><tr><th scope="col">Date</th><th scope="col">Campaign</th><th scope="col" class="num">Sale</th><th scope="col" class="num">Commission</th><th scope="col">Status</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
    : html`<p class="muted">${isFirstPage ? 'No sales yet.' : 'No older sales.'}</p>`
}
<p class="pager">${isFirstPage ? '' : html`<a href="/portal/conversions">Newest</a>`}${page.nextAfter ? html`<a href="/portal/conversions?starting_after=${page.nextAfter}">Older sales</a>` : ''}</p>`;
}

export function payoutsPage(balances: ReturnType<typeof presentBalance>[], payouts: ReturnType<typeof presentPayout>[]): Html {
  const rows = payouts.map(
    (payout) => html`<tr data-payout="${payout.id}">
<td>${formatDate(new Date(payout.created! * 1000))}</td>
<td class="num">${money(payout.amount, payout.currency)}</td>
<td><a href="/portal/payouts/${payout.id}/statement.csv" download>Statement (CSV)</a></td>
<td>${payout.period.start ? `${formatDate(new Date(payout.period.start * 1000))} – ` : 'Up to '}${formatDate(new Date(payout.period.end! * 1000 - 1))}</td>
<td>${payout.reference ?? '—'}</td>
</tr>`,
  );
  return html`<h1>Payouts</h1>
<section aria-labelledby="balance-heading"><h2 id="balance-heading">Balance</h2>${balancesTable(balances)}</section>
<section aria-labelledby="payouts-heading"><h2 id="payouts-heading">Paid to you</h2>
${
  rows.length
    ? html`<div class="table-scroll" tabindex="0" role="region" aria-label="Payouts"><table>
<thead><tr><th scope="col">Paid</th><th scope="col" class="num">Amount</th><th scope="col">Statement</th><th scope="col">Sales from</th><th scope="col">Reference</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
    : html`<p class="muted">No payouts yet.</p>`
}
</section>`;
}
