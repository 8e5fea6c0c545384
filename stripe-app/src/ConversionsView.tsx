import { Banner, Box, Button, Divider, FocusView, Link } from '@stripe/ui-extension-sdk/ui';
import { useCallback, useRef, useState } from 'react';
import { type Api, type BackendError, asBackendError } from './api';
import { Empty, ErrorBanner, Loading } from './components';
import { ConversionRow } from './conversion';
import type { ConversionList, Creator, Overview } from './types';
import { useResource } from './useResource';

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
  const load = useCallback((client: Api) => client.get<ConversionList>('conversions', { from, to, creator: creatorId }), [from, to, creatorId]);
  const { resource, reload } = useResource(api, load);
  const [later, setLater] = useState<ConversionList[]>([]);
  const [pending, setPending] = useState(false);
  // A second press before the next page arrives would fetch (and show) that page twice.
  const loadingMore = useRef(false);
  const [moreError, setMoreError] = useState<BackendError | null>(null);

  const pages = resource.status === 'ready' ? [resource.data, ...later] : [];
  const conversions = pages.flatMap((page) => page.data);
  const hasMore = pages.at(-1)?.has_more ?? false;

  const loadMore = async () => {
    if (loadingMore.current) return;
    loadingMore.current = true;
    setPending(true);
    setMoreError(null);
    try {
      const next = await api.get<ConversionList>('conversions', { from, to, creator: creatorId, starting_after: conversions.at(-1)?.id });
      setLater((loaded) => [...loaded, next]);
    } catch (error) {
      setMoreError(asBackendError(error));
    } finally {
      loadingMore.current = false;
      setPending(false);
    }
  };

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
