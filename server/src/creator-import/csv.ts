import { CsvError, parse } from 'csv-parse/sync';
import { ApiError } from '../http/errors';
import { IMPORT_COLUMNS, MAX_IMPORT_ROWS, type SheetRow } from './schemas';

/**
 * A creators sheet as rows numbered as a spreadsheet shows them (the header is row 1). Column names
 * are matched without regard to case; empty cells are left out, as absent fields.
 */
export function parseCreatorsCsv(text: string): SheetRow[] {
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
  const unknown = Object.keys(records[0]?.record ?? {}).find((column) => !(IMPORT_COLUMNS as readonly string[]).includes(column));
  if (unknown !== undefined) {
    throw ApiError.invalid('csv_invalid', `Unknown column "${unknown}"; the columns are ${IMPORT_COLUMNS.join(', ')}.`, 'csv');
  }
  if (records.length > MAX_IMPORT_ROWS) throw ApiError.invalid('csv_invalid', `At most ${MAX_IMPORT_ROWS} rows per import; split the sheet.`, 'csv');
  return records.map(({ record, info }) => ({
    row: info.lines,
    fields: Object.fromEntries(Object.entries(record).filter(([, value]) => value !== '')),
  }));
}
