import type { Creator } from '../catalog/repo';
import { createCreator, getCampaign, placeCode } from '../catalog/service';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import type { OrgScope } from '../orgs/repo';
import { type CreatorImportResponse, importRowSchema, type ImportRow, type RowOutcome, type SheetRow } from './schemas';


// The fields an existing creator must already have for a row naming them to be the same creator.
const COMPARED = [
  ['name', 'name'],
  ['email', 'email'],
  ['customer_id', 'customerId'],
  ['first_name', 'firstName'],
  ['last_name', 'lastName'],
  ['stripe_customer_id', 'stripeCustomerId'],
  ['avatar_url', 'avatarUrl'],
] as const satisfies readonly (readonly [keyof ImportRow, keyof Creator])[];

/**
 * Creates each row's creator and code. A row is all or nothing: a creator made for it goes again if
 * its code then fails. A row whose creator (by handle) and code already exist changes nothing, so a
 * sheet can be imported twice; a row that contradicts what is stored is refused, naming the column.
 */
export async function importCreators(deps: Deps, scope: OrgScope, rows: SheetRow[], options: { campaign?: string; dryRun: boolean }): Promise<CreatorImportResponse> {
  const outcomes: RowOutcome[] = [];
  const seen = { handles: new Map<string, number>(), codes: new Map<string, number>() };
  for (const sheetRow of rows) {
    const outcome: RowOutcome = { row: sheetRow.row, handle: sheetRow.fields.handle?.toLowerCase() ?? null, status: 'failed', creator: null, code: null };
    try {
      Object.assign(outcome, await importRow(deps, scope, sheetRow, seen, options));
    } catch (error) {
      if (!(error instanceof ApiError) || error.status >= 500) throw error;
      outcome.error = { code: error.code, message: error.message, ...(error.param && { param: error.param }) };
    }
    outcomes.push(outcome);
  }
  const count = (status: RowOutcome['status']) => outcomes.filter((outcome) => outcome.status === status).length;
  return {
    object: 'creator_import',
    dry_run: options.dryRun,
    created: count('created'),
    code_added: count('code_added'),
    unchanged: count('unchanged'),
    failed: count('failed'),
    rows: outcomes,
  };
}

async function importRow(
  deps: Deps,
  scope: OrgScope,
  { row, fields }: SheetRow,
  seen: { handles: Map<string, number>; codes: Map<string, number> },
  options: { campaign?: string; dryRun: boolean },
): Promise<Partial<RowOutcome>> {
  const parsed = importRowSchema.safeParse(fields);
  if (!parsed.success) throw ApiError.fromZod(parsed.error, fields);
  const { code, campaign: campaignId = options.campaign, ...creatorInput } = parsed.data;
  const earlier = seen.handles.get(creatorInput.handle) ?? (code && seen.codes.get(code));
  if (earlier) throw ApiError.invalid('row_duplicate', `Row ${earlier} of this sheet already has this ${seen.handles.has(creatorInput.handle) ? 'handle' : 'code'}.`, seen.handles.has(creatorInput.handle) ? 'handle' : 'code');
  seen.handles.set(creatorInput.handle, row);
  if (code) seen.codes.set(code, row);
  if (code && !campaignId) throw ApiError.invalid('parameter_missing', 'A row with a code needs a campaign (the column, or the import’s campaign).', 'campaign');
  const campaign = code ? await getCampaign(deps, scope, campaignId!, 'campaign') : null;

  const existing = await deps.store.creators.getByHandle(scope, creatorInput.handle);
  for (const [column, field] of existing ? COMPARED : []) {
    const given = creatorInput[column];
    if (given !== undefined && given !== (existing![field] ?? null)) {
      throw ApiError.conflict('creator_differs', `The creator "${existing!.handle}" already exists with another ${column}.`, column);
    }
  }
  const stored = code ? await deps.store.promoCodes.getByCode(scope, code) : null;
  if (stored && !(existing && stored.creatorId === existing.id && stored.campaignId === campaign!.id)) {
    throw ApiError.conflict('promo_code_exists', `The code ${code} is already in use.`, 'code');
  }
  const status = !existing ? 'created' : code && !stored ? 'code_added' : 'unchanged';
  if (options.dryRun || status === 'unchanged') return { status, creator: existing?.id ?? null, code: code ?? null };

  const creator = existing ?? (await createCreator(deps, scope, creatorInput));
  try {
    if (code && !stored) await placeCode(deps, scope, { code, creatorId: creator.id, campaign: campaign! });
  } catch (error) {
    if (!existing) await deps.store.creators.remove(scope, creator.id);
    throw error;
  }
  return { status, creator: creator.id, code: code ?? null };
}
