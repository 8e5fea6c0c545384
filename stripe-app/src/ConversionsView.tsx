import { Banner, Box, Button, Divider, FocusView, Link } from '@stripe/ui-extension-sdk/ui';
import { useCallback } from 'react';
import type { Api } from './api';
import { Empty, ErrorBanner, Loading } from './components';
import { ConversionRow } from './conversion';
import type { ConversionList, Creator, Overview } from './types';
import { usePages } from './usePages';

/**
 * The conversions behind the drawer's figures, all or one creator's, a page at a time, newest
 * first, with every one of them a click away as CSV (the sheet creators are paid from). Mounted
 * while shown and keyed by its range and creator, so each opening, and a new range, starts from the
 * first page. The link is the newest page's: each expires 15 minutes after it was fetched.
 */
export function ConversionsView({
  api,
  base,
  creator,
  overview,
  locale,
  onClose,
}: {
  api: Api;
  base: string;
  creator: Creator | null;
  overview: Pick<Overview, 'from' | 'to'>;
  locale: string;
  onClose: () => void;
}) {
  const [from, to, creatorId] = [String(overview.from), String(overview.to), creator?.id];
  const load = useCallback(
    (client: Api, startingAfter?: string) => client.get<ConversionList>('conversions', { from, to, creator: creatorId, starting_after: startingAfter }),
    [from, to, creatorId],
  );
  const { resource, pages, items: conversions, hasMore, loadMore, pending, moreError, reload } = usePages(api, load);

  return (
    <FocusView
      title={creator ? `Conversions of @${creator.handle}` : 'Conversions'}
      shown
      setShown={(shown) => !shown && onClose()}
      secondaryAction={<Button onPress={onClose}>Close</Button>}
    >
      <Box css={{ stack: 'y', gap: 'medium' }}>
        {resource.status === 'loading' ? (
          <Loading label="Loading conversions…" />
        ) : resource.status === 'error' ? (
          <ErrorBanner error={resource.error} onRetry={reload} />
        ) : conversions.length === 0 ? (
          <Empty title="No conversions in this period">Purchases credited to {creator ? `@${creator.handle}` : 'your creators'} show up here.</Empty>
        ) : (
          <>
            <Link href={`${base}${pages.at(-1)!.download_path}`} external target="_blank">
              Download all as CSV
            </Link>
            <Box css={{ color: 'secondary', font: 'caption' }}>
              Every conversion of the period{creator && ` for @${creator.handle}`}, with order and Stripe ids. The link works for 15 minutes.
            </Box>
            <Divider />
            {conversions.map((conversion) => (
              <ConversionRow key={conversion.id} conversion={conversion} locale={locale} withCreator={!creator} />
            ))}
            {moreError && <Banner type="critical" title="More could not be loaded" description={moreError.message} />}
            {hasMore && (
              <Button pending={pending} onPress={loadMore}>
                Load more
              </Button>
            )}
          </>
        )}
      </Box>
    </FocusView>
  );
}
