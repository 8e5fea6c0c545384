import type { z } from 'zod';
import { ApiError } from './errors';

/** Parses request input, turning the first problem into a 400 that names the offending field. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (!result.success) throw ApiError.fromZod(result.error, input ?? {});
  return result.data;
}

export const toUnixSeconds = (date: Date | null | undefined) => (date ? Math.floor(date.getTime() / 1000) : null);
