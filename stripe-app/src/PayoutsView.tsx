import { Banner, Box, Button, Divider, FocusView, Inline, Link, TextField } from '@stripe/ui-extension-sdk/ui';
import { showToast } from '@stripe/ui-extension-sdk/utils';
import { useCallback, useRef, useState } from 'react';
import { type Api, asBackendError } from './api';
import { Empty, ErrorBanner, Loading } from './components';
import { formatDate, formatMoney } from './format';
import type { Balance, BalanceList, PayoutList, PayoutRecord } from './types';
import { usePages } from './usePages';
import { useResource } from './useResource';

const loadHistory = (client: Api, startingAfter?: string) => client.get<PayoutList>('payouts', { starting_after: startingAfter });
const balanceKey = (balance: Balance) => `${balance.creator}:${balance.currency}`;
const handleOf = (balance: Balance) => (balance.creator_handle ? `@${balance.creator_handle}` : balance.creator);

/**
 * What each creator is owed, per currency: due (past the hold period, less what was paid), pending
 * and paid. The brand pays its own way and records it here. A payout is recorded for exactly the
 * amount shown, up to the balance's `due_through`: commission maturing meanwhile waits for the next
 * payout, and if a refund changed what is due, the backend refuses it and the view reloads with
 * the new figure, so nobody marks as paid an amount they did not see.
 */
export function PayoutsView({
  api,
  base,
  locale,
  canRecord,
  onClose,
}: {
  api: Api;
  base: string;
  locale: string;
  /** False for a user whose Dashboard role may only look: balances and history without the action. */
  canRecord: boolean;
  onClose: () => void;
}) {
  const load = useCallback((client: Api) => client.get<BalanceList>('payouts/balances'), []);
  const { resource, reload } = useResource(api, load);
  const history = usePages(api, loadHistory);
  const [paying, setPaying] = useState<string | null>(null);
  const [reference, setReference] = useState('');
  const [recording, setRecording] = useState(false);
  // A second press before the answer would record a second payout attempt of the same balance.
  const inFlight = useRef(false);
  const [error, setError] = useState<string | null>(null);

  const record = async (balance: Balance) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setRecording(true);
    setError(null);
    try {
      await api.post('payouts', {
        creator: balance.creator,
        currency: balance.currency,
        amount: balance.due,
        due_through: balance.due_through,
        ...(reference.trim() && { reference: reference.trim() }),
      });
      showToast(`Recorded ${formatMoney(balance.due, balance.currency, locale)} paid to ${handleOf(balance)}`, { type: 'success' });
      setPaying(null);
      setReference('');
      reload();
      history.reload();
    } catch (caught) {
      const refusal = asBackendError(caught);
      // The balance moved on: show the new one rather than the figure that was refused.
      if (refusal.code === 'balance_changed' || refusal.code === 'nothing_due') {
        setError(`What is due to ${handleOf(balance)} changed since this view opened (a refund, or a sale that arrived late). Check the new balance and record it again.`);
        setPaying(null);
        reload();
      } else {
        setError(refusal.message);
      }
    } finally {
      inFlight.current = false;
      setRecording(false);
    }
  };

  return (
    <FocusView title="Creator payouts" shown setShown={(shown) => !shown && onClose()} secondaryAction={<Button onPress={onClose}>Close</Button>}>
      <Box css={{ stack: 'y', gap: 'medium' }}>
        {resource.status === 'loading' ? (
          <Loading label="Loading balances…" />
        ) : resource.status === 'error' ? (
          <ErrorBanner error={resource.error} onRetry={reload} />
        ) : (
          <>
            <Box css={{ color: 'secondary', font: 'caption' }}>
              Commission is due {resource.data.payout_hold_days} days after the sale, so refunds within them never reach a payout. Pay creators
              your own way, then record it here; refunds after a payout come off the next one.
            </Box>
            {error && <Banner type="critical" title="The payout was not recorded" description={error} onDismiss={() => setError(null)} />}
            {resource.data.data.length === 0 ? (
              <Empty title="No commission yet">Creators’ commission shows up here as their sales come in.</Empty>
            ) : (
              resource.data.data.map((balance) => (
                <BalanceCard
                  key={balanceKey(balance)}
                  balance={balance}
                  locale={locale}
                  paying={paying === balanceKey(balance)}
                  recording={recording}
                  reference={reference}
                  onReference={setReference}
                  onStart={
                    canRecord
                      ? () => {
                          setPaying(balanceKey(balance));
                          setReference('');
                          setError(null);
                        }
                      : undefined
                  }
                  onCancel={() => setPaying(null)}
                  onRecord={() => record(balance)}
                />
              ))
            )}
          </>
        )}
        <PayoutHistory history={history} base={base} locale={locale} />
      </Box>
    </FocusView>
  );
}

function BalanceCard({
  balance,
  locale,
  paying,
  recording,
  reference,
  onReference,
  onStart,
  onCancel,
  onRecord,
}: {
  balance: Balance;
  locale: string;
  paying: boolean;
  recording: boolean;
  reference: string;
  onReference: (reference: string) => void;
  /** Absent when the user may not record payouts. */
  onStart?: () => void;
  onCancel: () => void;
  onRecord: () => void;
}) {
  const money = (amount: number) => formatMoney(amount, balance.currency, locale);
  return (
    <Box css={{ stack: 'y', gap: 'xsmall', padding: 'small', borderRadius: 'medium', keyline: 'neutral' }}>
      <Inline css={{ font: 'bodyEmphasized' }}>
        {handleOf(balance)} · {balance.currency.toUpperCase()}
      </Inline>
      <Box css={{ color: 'secondary', font: 'caption' }}>
        {money(Math.max(balance.due, 0))} due · {money(balance.pending)} pending · {money(balance.paid)} paid
      </Box>
      {balance.due < 0 && (
        <Box css={{ color: 'secondary', font: 'caption' }}>Refunds after the last payout: {money(-balance.due)} comes off later commission.</Box>
      )}
      {balance.due > 0 &&
        onStart &&
        (paying ? (
          <Box css={{ stack: 'y', gap: 'small' }}>
            <TextField
              label="Reference (optional)"
              name="reference"
              placeholder="Bank or PayPal transaction id"
              value={reference}
              onChange={(event) => onReference(event.target.value)}
            />
            <Inline css={{ gap: 'small' }}>
              <Button type="primary" size="small" pending={recording} onPress={onRecord}>
                Mark {money(balance.due)} as paid
              </Button>
              <Button size="small" onPress={onCancel}>
                Cancel
              </Button>
            </Inline>
          </Box>
        ) : (
          <Box>
            <Button size="small" onPress={onStart}>
              Record payout
            </Button>
          </Box>
        ))}
    </Box>
  );
}

/** The payouts recorded, newest first, each with its statement to send the creator. */
function PayoutHistory({ history, base, locale }: { history: ReturnType<typeof usePages<PayoutList>>; base: string; locale: string }) {
  const { resource, items, hasMore, loadMore, pending, moreError, reload } = history;
  if (resource.status === 'loading') return null;
  if (resource.status === 'error') return <ErrorBanner error={resource.error} onRetry={reload} />;
  if (items.length === 0) return null;
  return (
    <Box css={{ stack: 'y', gap: 'small' }}>
      <Divider />
      <Box css={{ font: 'heading' }}>Payouts recorded</Box>
      <Box css={{ color: 'secondary', font: 'caption' }}>
        A statement lists the creator’s sales that a payout paid for, as CSV; its link works for 15 minutes after this view loaded.
      </Box>
      {items.map((payout) => (
        <PayoutRow key={payout.id} payout={payout} base={base} locale={locale} />
      ))}
      {moreError && <Banner type="critical" title="More could not be loaded" description={moreError.message} />}
      {hasMore && (
        <Button pending={pending} onPress={loadMore}>
          Load more
        </Button>
      )}
    </Box>
  );
}

function PayoutRow({ payout, base, locale }: { payout: PayoutRecord; base: string; locale: string }) {
  const money = (amount: number) => formatMoney(amount, payout.currency, locale);
  const { start, end } = payout.period;
  const sales = start === null ? `sales before ${formatDate(end, locale)}` : `sales ${formatDate(start, locale)} – ${formatDate(end, locale)}`;
  return (
    <Box css={{ stack: 'y', gap: 'xxsmall' }}>
      <Inline css={{ font: 'bodyEmphasized' }}>
        {payout.creator_handle ? `@${payout.creator_handle}` : payout.creator} · {money(payout.amount)}
      </Inline>
      <Box css={{ color: 'secondary', font: 'caption' }}>
        Paid {formatDate(payout.created, locale)}
        {payout.reference && ` · ${payout.reference}`} · {sales}
        {payout.adjustments !== 0 && ` · ${money(payout.adjustments)} adjustments for earlier sales`}
      </Box>
      <Link href={`${base}${payout.statement_path}`} external target="_blank">
        Statement (CSV)
      </Link>
    </Box>
  );
}
