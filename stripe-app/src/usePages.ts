import { useCallback, useRef, useState } from 'react';
import { type Api, type BackendError, asBackendError } from './api';
import { useResource } from './useResource';

/**
 * A list the backend pages like Stripe's (`has_more`, `starting_after`): the first page loads as a
 * resource, and each `loadMore` appends the next. `reload` starts again from the first page.
 */
export function usePages<Page extends { data: { id: string }[]; has_more: boolean }>(
  api: Api,
  load: (client: Api, startingAfter?: string) => Promise<Page>,
) {
  const { resource, reload: reloadFirst } = useResource(api, load);
  const [later, setLater] = useState<Page[]>([]);
  const [pending, setPending] = useState(false);
  // A second press before the next page arrives would fetch (and show) that page twice.
  const loadingMore = useRef(false);
  const [moreError, setMoreError] = useState<BackendError | null>(null);

  const pages = resource.status === 'ready' ? [resource.data, ...later] : [];
  const items: Page['data'] = pages.flatMap((page) => page.data);

  const loadMore = async () => {
    if (loadingMore.current) return;
    loadingMore.current = true;
    setPending(true);
    setMoreError(null);
    try {
      const next = await load(api, items.at(-1)?.id);
      setLater((loaded) => [...loaded, next]);
    } catch (error) {
      setMoreError(asBackendError(error));
    } finally {
      loadingMore.current = false;
      setPending(false);
    }
  };

  const reload = useCallback(() => {
    setLater([]);
    setMoreError(null);
    reloadFirst();
  }, [reloadFirst]);

  return { resource, pages, items, hasMore: pages.at(-1)?.has_more ?? false, loadMore, pending, moreError, reload };
}
