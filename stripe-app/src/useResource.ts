import { useCallback, useEffect, useState } from 'react';
import { type Api, type BackendError, asBackendError } from './api';

export type Resource<T> =
  | { status: 'loading' }
  | { status: 'ready'; data: T }
  | { status: 'error'; error: BackendError };

const LOADING = { status: 'loading' } as const;

/**
 * Loads what `load` fetches whenever `api` or `load` changes (memoise it with useCallback), and again
 * on `reload()`. A reload keeps showing the current data instead of flashing the spinner; a new `load`
 * (another period, customer or payment) shows the spinner, not the previous one's data.
 */
export function useResource<T>(api: Api | null, load: (api: Api) => Promise<T>) {
  // Each result keeps the api and load it came from: a changed `load` then shows the spinner in the
  // very render that brings it, not after one more render of the old data.
  const [loaded, setLoaded] = useState<{ api: Api | null; load: typeof load; resource: Resource<T> } | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    if (!api) return;
    let current = true;
    load(api).then(
      (data) => current && setLoaded({ api, load, resource: { status: 'ready', data } }),
      (error) => current && setLoaded({ api, load, resource: { status: 'error', error: asBackendError(error) } }),
    );
    return () => {
      current = false;
    };
  }, [api, load, version]);

  const resource: Resource<T> = loaded && loaded.api === api && loaded.load === load ? loaded.resource : LOADING;
  const reload = useCallback(() => setVersion((value) => value + 1), []);
  const setResource = useCallback((next: Resource<T>) => setLoaded({ api, load, resource: next }), [api, load]);
  return { resource, reload, setResource };
}
