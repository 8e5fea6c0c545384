import type { IRouter } from 'express';
import type { Deps } from '../deps';
import { requireApiKey, scopeOf } from '../http/auth';
import { sendJson } from '../http/respond';
import { parse } from '../http/validate';
import { parseCreatorsCsv } from './csv';
import { importCreatorsSchema } from './schemas';
import { importCreators } from './service';

export function creatorImportRoutes(app: IRouter, deps: Deps): void {
  // POST /api/creators/import – create creators and their codes from a CSV sheet (or only say what it would do)
  app.post('/api/creators/import', requireApiKey(deps, 'admin'), async (req, res) => {
    const input = parse(importCreatorsSchema, req.body);
    sendJson(res, await importCreators(deps, scopeOf(req), parseCreatorsCsv(input.csv), { campaign: input.campaign, dryRun: input.dry_run }));
  });
}
