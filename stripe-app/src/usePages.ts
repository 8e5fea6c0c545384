import { useCallback, useMemo, useRef, useState } from 'react';
import { type Api, type BackendError, asBackendError } from './api';
import { useResource } from './useResource';

/**
 * A list the backend pages like Stripe's (`has_more`, `starting_after`): the first page loads as a
 * resource, and each `loadMore` appends the next. `reload`, or another `api` or `load`, starts
 * again from the first page; a page still loading for the list before is then dropped, since it
 * continues a list no longer shown.
 */
export function usePages<Page extends { data: { id: string }[]; has_more: boolean }>(
  api: Api,
  load: (client: Api, startingAfter?: string) => Promise<Page>,
) {
  const { resource, reload: reloadFirst } = useResource(api, load);
  const [reloads, setReloads] = useState(0);
  // The list shown, one object for as long as it is: the pages after the first belong to one.
  const list = useMemo(() => ({ api, load, reloads }), [api, load, reloads]);
  const shown = useRef(list);
  shown.current = list;
  const [later, setLater] = useState({ list, pages: [] as Page[] });
  const [pending, setPending] = useState(false);
  // A second press before the next page arrives would fetch (and show) that page twice.
  const loadingMore = useRef(false);
  const [failed, setFailed] = useState<{ list: typeof list; error: BackendError } | null>(null);

  const pages = resource.status === 'ready' ? [resource.data, ...(later.list === list ? later.pages : [])] : [];
  const items: Page['data'] = pages.flatMap((page) => page.data);
  const moreError = failed?.list === list ? failed.error : null;

  const loadMore = async () => {
    if (loadingMore.current) return;
    loadingMore.current = true;
    setPending(true);
    setFailed(null);
    const from = list;
    try {
      const next = await load(api, items.at(-1)?.id);
      if (shown.current === from) setLater((loaded) => ({ list: from, pages: loaded.list === from ? [...loaded.pages, next] : [next] }));
    } catch (error) {
      if (shown.current === from) setFailed({ list: from, error: asBackendError(error) });
    } finally {
      loadingMore.current = false;
      setPending(false);
    }
  };

  const reload = useCallback(() => {
    setReloads((count) => count + 1);
    reloadFirst();
  }, [reloadFirst]);

  return { resource, pages, items, hasMore: pages.at(-1)?.has_more ?? false, loadMore, pending, moreError, reload };
}
