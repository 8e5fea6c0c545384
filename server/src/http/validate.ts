import { z } from 'zod';
import { ApiError } from './errors';

/** Parses request input, turning the first problem into a 400 that names the offending field. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw ApiError.fromZod(result.error, input ?? {});
  return result.data;
}

/** A lowercase ISO 4217 code, as Stripe writes currencies. */
export const currencyCode = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z]{3}$/, 'must be a three-letter ISO currency code such as usd');

// The last second of the year 9999: past it a time has no ISO 8601 form, and soon no Date either.
const MAX_UNIX_SECONDS = 253_402_300_799;

/** A time given as unix seconds, as the API answers with them. */
export const unixSeconds = z
  .number()
  .int()
  .positive()
  .max(MAX_UNIX_SECONDS)
  .transform((seconds) => new Date(seconds * 1000));

// A date that is always there gives a number: response schemas declare such times non-null.
export function toUnixSeconds(date: Date): number;
export function toUnixSeconds(date: Date | null | undefined): number | null;
export function toUnixSeconds(date: Date | null | undefined) {
  return date ? Math.floor(date.getTime() / 1000) : null;
}

const DAY_MS = 86_400_000;
const TIME_FORMATS = 'must be unix seconds, a date such as 2026-11-01 or an ISO 8601 datetime';
const unixParam = z.coerce.number().pipe(unixSeconds);
const datetimeParam = z.iso.datetime({ offset: true }).transform((iso) => new Date(iso));
const dayParam = z.iso.date().transform((value) => new Date(`${value}T00:00:00Z`));

/** The inclusive start of a range in a query string: unix seconds, an ISO datetime or a plain date (UTC). */
export const rangeStartParam = z.union([unixParam, dayParam, datetimeParam], { error: TIME_FORMATS });
/** The exclusive end of a range: a plain date includes that whole day. */
export const rangeEndParam = z.union([unixParam, dayParam.transform((start) => new Date(start.getTime() + DAY_MS)), datetimeParam], {
  error: TIME_FORMATS,
});

/** A list page's size, as Stripe's lists take it. */
export const pageLimit = z.coerce.number().int().min(1).max(100).default(10).describe('1 to 100, default 10');
