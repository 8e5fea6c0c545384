import { createApp } from '../../server/src/app';
import type { Deps } from '../../server/src/deps';

/** Every `METHOD /path` the Express app serves, read from its router, in OpenAPI's `{param}` form. */
export function mountedRoutes(deps: Deps): string[] {
  const app = createApp(deps) as unknown as { router: { stack: Layer[] } };
  type Layer = { route?: { path: string | string[]; methods: Record<string, boolean> } };
  const routes: string[] = [];
  for (const { route } of app.router.stack) {
    if (!route) continue;
    for (const method of Object.keys(route.methods)) {
      // CORS preflights are answered for the routes they precede; they are not operations.
      if (method === 'options') continue;
      for (const path of [route.path].flat()) routes.push(`${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes.filter((route) => route.split(' ')[1].startsWith('/api/')).sort();
}
