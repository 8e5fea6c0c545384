import { z } from 'zod';
import { createCreatorSchema, promoCodeString } from '../catalog/schemas';
import { itemError } from '../http/wire';

/** The sheet's columns: a creator's fields, and optionally their code and its campaign. */
export const IMPORT_COLUMNS = [...Object.keys(createCreatorSchema.shape), 'code', 'campaign'] as const;

export const importRowSchema = createCreatorSchema.extend({ code: promoCodeString.optional(), campaign: z.string().min(1).optional() });
export type ImportRow = z.infer<typeof importRowSchema>;

/** A row as read from the sheet: its number there, and its non-empty cells by column. */
export const sheetRowSchema = z.object({ row: z.number().int().min(1), fields: z.record(z.string(), z.string()) });
export type SheetRow = z.infer<typeof sheetRowSchema>;

export const MAX_IMPORT_ROWS = 1000;

export const importCreatorsSchema = z
  .object({
    csv: z.string().min(1).describe(`A header row naming columns (${IMPORT_COLUMNS.join(', ')}), then one creator per row`),
    campaign: z.string().min(1).optional().describe('Campaign (cmp_…) of rows with a code and no campaign column'),
    dry_run: z.boolean().default(false).describe('Only say what each row would do'),
  })
  .strict();

export const rowOutcome = z.object({
  row: z.number().int().describe("The sheet's line number"),
  handle: z.string().nullable(),
  status: z.enum(['created', 'code_added', 'unchanged', 'failed']).describe('What the row did (in a dry run: would do); failed rows changed nothing'),
  creator: z.string().nullable(),
  code: z.string().nullable(),
  error: itemError.optional(),
});
export type RowOutcome = z.infer<typeof rowOutcome>;

export const creatorImportResponse = z
  .object({
    object: z.literal('creator_import'),
    dry_run: z.boolean(),
    created: z.number().int(),
    code_added: z.number().int(),
    unchanged: z.number().int(),
    failed: z.number().int(),
    rows: z.array(rowOutcome),
  })
  .meta({ id: 'CreatorImport' });
export type CreatorImportResponse = z.infer<typeof creatorImportResponse>;
