import { z } from 'zod';
import { rangeEndParam, rangeStartParam } from '../http/validate';

const DAY_MS = 86_400_000;

/**
 * `from` inclusive, `to` exclusive, as unix seconds, ISO datetimes or plain dates; a plain-date `to`
 * includes that whole day. Defaults to the 30 days before now.
 */
export const reportQuery = z
  .object({ from: rangeStartParam.optional(), to: rangeEndParam.optional() })
  .transform(({ from, to }, ctx) => {
    const end = to ?? new Date();
    const start = from ?? new Date(end.getTime() - 30 * DAY_MS);
    if (start >= end) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
    return { from: start, to: end };
  });
