import { z } from 'zod';

const DAY_MS = 86_400_000;
const date = z.union([
  z.coerce.number().int().positive().transform((seconds) => new Date(seconds * 1000)),
  z.iso.date().transform((day) => new Date(`${day}T00:00:00Z`)),
  z.iso.datetime({ offset: true }).transform((iso) => new Date(iso)),
]);

/** `from` inclusive, `to` exclusive; a plain date `to` includes that whole day. Defaults to the last 30 days. */
export const reportQuery = z
  .object({
    from: date.optional(),
    to: date.optional(),
  })
  .transform(({ from, to }, ctx) => {
    const end = to ?? new Date();
    const start = from ?? new Date(end.getTime() - 30 * DAY_MS);
    if (start >= end) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
    return { from: start, to: end };
  });
