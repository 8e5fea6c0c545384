import { z } from 'zod';
import { unixSeconds } from '../http/validate';

const DAY_MS = 86_400_000;
const TIME_FORMATS = 'must be unix seconds, a date such as 2026-11-01 or an ISO 8601 datetime';
const unix = z.coerce.number().pipe(unixSeconds);
const datetime = z.iso.datetime({ offset: true }).transform((iso) => new Date(iso));
const day = z.iso.date().transform((value) => new Date(`${value}T00:00:00Z`));

/**
 * `from` inclusive, `to` exclusive, as unix seconds, ISO datetimes or plain dates; a plain-date `to`
 * includes that whole day. Defaults to the 30 days before now.
 */
export const reportQuery = z
  .object({
    from: z.union([unix, day, datetime], { error: TIME_FORMATS }).optional(),
    to: z.union([unix, day.transform((start) => new Date(start.getTime() + DAY_MS)), datetime], { error: TIME_FORMATS }).optional(),
  })
  .transform(({ from, to }, ctx) => {
    const end = to ?? new Date();
    const start = from ?? new Date(end.getTime() - 30 * DAY_MS);
    if (start >= end) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
    return { from: start, to: end };
  });
