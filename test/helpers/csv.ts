/** One column of a conversions sheet, top to bottom; for sheets whose cells hold no commas or quotes. */
export async function sheetColumn(sheet: Response, column: string): Promise<string[]> {
  const [header, ...rows] = (await sheet.text()).trimEnd().split('\n');
  const index = header.split(',').indexOf(column);
  if (index < 0) throw new Error(`the sheet has no ${column} column: ${header}`);
  return rows.map((row) => row.split(',')[index]);
}
