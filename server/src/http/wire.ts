import { z } from 'zod';

/**
 * Building blocks of response schemas: presenters return `z.infer` of a schema made from these,
 * and the OpenAPI document declares the same schema, so the reference cannot drift from the wire.
 */

export const unixTime = z.number().int().describe('Unix seconds');
export const nullableTime = unixTime.nullable();

/** `{object: 'list', data}`: every item at once. */
export const listOf = <T extends z.ZodType>(item: T) => z.object({ object: z.literal('list'), data: z.array(item) });

/** `{object: 'list', data, has_more}`: a page; pass the last id as `starting_after` for the next. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ object: z.literal('list'), data: z.array(item), has_more: z.boolean().describe('More after the last item: ask again with its id as `starting_after`') });

/** Why one item of a batch (a sheet's row, an uploaded code) failed while the others went on. */
export const itemError = z.object({ code: z.string(), message: z.string(), param: z.string().optional() });
