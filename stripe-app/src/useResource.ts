import { useCallback, useEffect, useState } from 'react';
import { type Api, type BackendError, asBackendError } from './api';

export type Resource<T> =
  | { status: 'loading' }
  | { status: 'ready'; data: T }
  | { status: 'error'; error: BackendError };

/**
 * Loads what `load` fetches whenever `load` changes (memoise it with useCallback), and again on
 * `reload()`. A reload keeps showing the current data instead of flashing the spinner.
 */
export function useResource<T>(api: Api | null, load: (api: Api) => Promise<T>) {
  const [resource, setResource] = useState<Resource<T>>({ status: 'loading' });
  const [version, setVersion] = useState(0);

  useEffect(() => {
    if (!api) return;
    let current = true;
    load(api).then(
      (data) => current && setResource({ status: 'ready', data }),
      (error) => current && setResource({ status: 'error', error: asBackendError(error) }),
    );
    return () => {
      current = false;
    };
  }, [api, load, version]);

  const reload = useCallback(() => setVersion((value) => value + 1), []);
  return { resource, reload, setResource };
}
