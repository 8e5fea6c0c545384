import { Banner, Box, Button, Divider, FocusView, Inline, Select, TextArea, TextField } from '@stripe/ui-extension-sdk/ui';
import { showToast } from '@stripe/ui-extension-sdk/utils';
import { useCallback, useState } from 'react';
import { type Api, asBackendError } from './api';
import { Empty, ErrorBanner, Loading } from './components';
import type { Campaign, CodeUpload, CouponBank, CouponBankList, CreatorImport } from './types';
import { useResource } from './useResource';

const loadBanks = (client: Api) => client.get<CouponBankList>('coupon_banks');
/** Pasted codes: one per line, or separated by commas or spaces, as sheets and exports give them. */
const codesOf = (text: string) => text.split(/[\s,;]+/).filter(Boolean);

/**
 * Coupon banks (codes handed out one per advocate through the API) with how many are left, a new
 * bank for a campaign, and codes pasted into one; and creators imported from a pasted CSV sheet,
 * checked first with a dry run. Only shown to users who may change the program.
 */
export function CouponBanksView({ api, campaigns, onClose, onImported }: { api: Api; campaigns: Campaign[]; onClose: () => void; onImported: () => void }) {
  const { resource, reload } = useResource(api, useCallback(loadBanks, []));
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [name, setName] = useState('');
  const [campaign, setCampaign] = useState(campaigns[0]?.id ?? '');
  const [pasted, setPasted] = useState<Record<string, string>>({});
  const [sheet, setSheet] = useState('');
  const [outcome, setOutcome] = useState<CreatorImport | null>(null);

  const run = async (work: () => Promise<void>) => {
    setPending(true);
    setError(null);
    try {
      await work();
    } catch (failure) {
      setError(asBackendError(failure).message);
    } finally {
      setPending(false);
    }
  };

  const createBank = () =>
    run(async () => {
      await api.post('coupon_banks', { campaign, name: name.trim() });
      showToast(`Created ${name.trim()}`, { type: 'success' });
      setName('');
      reload();
    });

  const upload = (bank: CouponBank) =>
    run(async () => {
      const result = await api.post<CodeUpload>(`coupon_banks/${encodeURIComponent(bank.id)}/codes`, { codes: codesOf(pasted[bank.id] ?? '') });
      const failed = result.results.filter((entry) => entry.status === 'failed');
      if (failed.length) setError(failed.map((entry) => `${entry.code}: ${entry.error?.message}`).join(' '));
      showToast(`${result.coupon_bank.remaining} codes left in ${bank.name}`, { type: failed.length ? 'caution' : 'success' });
      setPasted((current) => ({ ...current, [bank.id]: '' }));
      reload();
    });

  const importSheet = (dryRun: boolean) =>
    run(async () => {
      const result = await api.post<CreatorImport>('creators/import', { csv: sheet, campaign, dry_run: dryRun });
      setOutcome(result);
      if (!dryRun) onImported();
    });

  const titleOf = (id: string) => campaigns.find((entry) => entry.id === id)?.title ?? id;
  return (
    <FocusView title="Coupon banks and imports" shown setShown={(shown) => !shown && onClose()} secondaryAction={<Button onPress={onClose}>Close</Button>}>
      <Box css={{ stack: 'y', gap: 'medium' }}>
        {error && <Banner type="critical" title="Not everything went through" description={error} onDismiss={() => setError(null)} />}
        <Select label="Campaign" name="campaign" value={campaign} onChange={(event) => setCampaign(event.target.value)}>
          {campaigns.map((entry) => (
            <option key={entry.id} value={entry.id}>
              {entry.title}
            </option>
          ))}
        </Select>
        <Inline css={{ font: 'heading' }}>Coupon banks</Inline>
        {resource.status === 'loading' ? (
          <Loading label="Loading coupon banks…" />
        ) : resource.status === 'error' ? (
          <ErrorBanner error={resource.error} onRetry={reload} />
        ) : resource.data.data.length === 0 ? (
          <Empty title="No coupon banks yet">Advocates get a code from a bank through the API (POST /api/referral_codes).</Empty>
        ) : (
          resource.data.data.map((bank) => (
            <Box key={bank.id} css={{ stack: 'y', gap: 'small' }}>
              <Inline css={{ font: 'subheading' }}>{bank.name}</Inline>
              <Inline>
                {titleOf(bank.campaign)} · {bank.remaining} of {bank.codes} codes left
              </Inline>
              <TextArea
                name={`codes-${bank.id}`}
                label="Codes to add"
                description="One per line. Each becomes a promotion code of the campaign’s coupon, or is adopted if you already have it."
                value={pasted[bank.id] ?? ''}
                onChange={(event) => setPasted((current) => ({ ...current, [bank.id]: event.target.value }))}
              />
              <Button pending={pending} disabled={!codesOf(pasted[bank.id] ?? '').length} onPress={() => upload(bank)}>
                Add codes to {bank.name}
              </Button>
              <Divider />
            </Box>
          ))
        )}
        <TextField name="bank-name" label="New bank’s name" placeholder="Friends of the brand" value={name} onChange={(event) => setName(event.target.value)} />
        <Button pending={pending} disabled={!name.trim() || !campaign} onPress={createBank}>
          Create bank for this campaign
        </Button>
        <Divider />
        <Inline css={{ font: 'heading' }}>Import creators</Inline>
        <TextArea
          name="sheet"
          label="CSV sheet"
          description="A header row, then one creator per row: handle, name, first_name, last_name, email, customer_id, code. Codes go to the campaign above."
          value={sheet}
          onChange={(event) => setSheet(event.target.value)}
        />
        <Inline css={{ gap: 'small' }}>
          <Button pending={pending} disabled={!sheet.trim()} onPress={() => importSheet(true)}>
            Check (dry run)
          </Button>
          <Button type="primary" pending={pending} disabled={!sheet.trim()} onPress={() => importSheet(false)}>
            Import
          </Button>
        </Inline>
        {outcome && (
          <Box css={{ stack: 'y', gap: 'xsmall' }}>
            <Inline css={{ font: 'subheading' }}>
              {outcome.dry_run ? 'Would create' : 'Created'} {outcome.created}, {outcome.code_added} given a code, {outcome.unchanged} unchanged, {outcome.failed} failed
            </Inline>
            {outcome.rows
              .filter((row) => row.error)
              .map((row) => (
                <Inline key={row.row}>
                  Row {row.row}
                  {row.error!.param ? `, ${row.error!.param}` : ''}: {row.error!.message}
                </Inline>
              ))}
          </Box>
        )}
      </Box>
    </FocusView>
  );
}
