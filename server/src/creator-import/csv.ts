import { CsvError, parse } from 'csv-parse/sync';
import { ApiError } from '../http/errors';
import { IMPORT_COLUMNS, MAX_IMPORT_ROWS, type SheetRow } from './schemas';

/**
 * A sheet's rows numbered as a spreadsheet shows them (the header is row 1), by column name in lower
 * case; empty cells are left out, as absent fields.
 */
export function parseSheet(text: string): SheetRow[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      info: true,
    });
  } catch (error) {
    if (error instanceof CsvError) throw ApiError.invalid('csv_invalid', `The CSV cannot be read: ${error.message}`, 'csv');
    throw error;
  }
  return records.map(({ record, info }) => ({
    row: info.lines,
    fields: Object.fromEntries(Object.entries(record).filter(([, value]) => value !== '')),
  }));
}

/** A creators sheet: only the import's columns, at most as many rows as one import takes. */
export function parseCreatorsCsv(text: string): SheetRow[] {
  const rows = parseSheet(text);
  const header = parse(text, { bom: true, to_line: 1 })[0] as string[] | undefined;
  const unknown = header?.map((name) => name.trim().toLowerCase()).find((column) => !(IMPORT_COLUMNS as readonly string[]).includes(column));
  if (unknown !== undefined) {
    throw ApiError.invalid('csv_invalid', `Unknown column "${unknown}"; the columns are ${IMPORT_COLUMNS.join(', ')}.`, 'csv');
  }
  if (rows.length > MAX_IMPORT_ROWS) throw ApiError.invalid('csv_invalid', `At most ${MAX_IMPORT_ROWS} rows per import; split the sheet.`, 'csv');
  return rows;
}
