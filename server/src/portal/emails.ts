import { formatMoney } from '../../../stripe-app/src/format';
import type { Creator } from '../catalog/repo';
import type { Conversion } from '../conversions/repo';
import { commissionCurrencyOf } from '../conversions/repo';
import type { Email } from '../email/mailer';
import type { Org } from '../orgs/repo';
import type { Payout } from '../payouts/repo';
import { type Html, html } from './html';

// Emails are read in many clients: one column, inline styles, a plain-text twin.
const LOCALE = 'en-US';

function creatorEmail(org: Org, creator: Creator, subject: string, paragraphs: string[], action: { label: string; url: string }): Email {
  const body: Html = html`<!doctype html>
<html lang="en"><body style="margin:0;padding:24px;background:#f6f7f9;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2328">
<div style="max-width:480px;margin:0 auto;background:#fff;border-radius:12px;overflow:hidden;border:1px solid #e3e6ea">
<div style="background:${org.brandColor};color:#fff;padding:16px 24px;font-weight:600;font-size:18px">${org.name}</div>
<div style="padding:24px">
<p style="margin:0 0 16px">Hi ${creator.name},</p>
${paragraphs.map((paragraph) => html`<p style="margin:0 0 16px;line-height:1.5">${paragraph}</p>`)}
<p style="margin:24px 0"><a href="${action.url}" style="display:inline-block;background:${org.brandColor};color:#fff;text-decoration:none;padding:12px 20px;border-radius:8px;font-weight:600">${action.label}</a></p>
<p style="margin:0;color:#59636e;font-size:13px;line-height:1.5">Or paste this address into your browser: ${action.url}</p>
</div></div></body></html>`;
  const text = [`Hi ${creator.name},`, ...paragraphs, `${action.label}: ${action.url}`, `— ${org.name}`].join('\n\n');
  return { to: creator.email!, fromName: org.name, subject, text, html: body.value };
}

export function signInEmail(org: Org, creator: Creator, link: string, minutes: number): Email {
  return creatorEmail(
    org,
    creator,
    `Your sign-in link for ${org.name}`,
    [`Use the button below to sign in to your ${org.name} creator page. The link works once, for ${minutes} minutes.`, 'If you did not ask for it, ignore this email: nobody can sign in without it.'],
    { label: 'Sign in', url: link },
  );
}

export function invitationEmail(org: Org, creator: Creator, link: string, hours: number): Email {
  return creatorEmail(
    org,
    creator,
    `${org.name} invites you to your creator page`,
    [
      `${org.name} set up a page for you: your share links and codes, your clicks and sales, your commission and payouts.`,
      `The button below signs you in; it works once, for ${hours} hours. Later, ask for a new link on the sign-in page with this address.`,
    ],
    { label: 'Open my creator page', url: link },
  );
}

export function firstConversionEmail(org: Org, creator: Creator, conversion: Conversion, signInUrl: string): Email {
  const commission = formatMoney(conversion.commission, commissionCurrencyOf(conversion), LOCALE);
  return creatorEmail(
    org,
    creator,
    `Your first sale for ${org.name}`,
    [`Someone bought through your ${org.name} link or code: your first sale. It earned you ${commission} in commission.`, 'Your creator page shows every sale and what you are due.'],
    { label: 'See my results', url: signInUrl },
  );
}

export function payoutRecordedEmail(org: Org, creator: Creator, payout: Payout, signInUrl: string): Email {
  const amount = formatMoney(payout.amount, payout.currency, LOCALE);
  return creatorEmail(
    org,
    creator,
    `${org.name} paid you ${amount}`,
    [`${org.name} recorded a payout of ${amount} to you${payout.reference ? ` (reference ${payout.reference})` : ''}.`, 'Its statement, listing the sales it pays for, is on your creator page.'],
    { label: 'See my payouts', url: signInUrl },
  );
}
