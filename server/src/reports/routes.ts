import { Router } from 'express';
import type { Deps } from '../deps';
import { requireApiKey, scopeOf } from '../http/auth';
import { parse, toUnixSeconds } from '../http/validate';
import { reportQuery } from './schemas';
import { buildReport } from './service';

export function reportRoutes(deps: Deps): Router {
  const router = Router();

  // GET /api/reports – clicks, signups, conversions, revenue and commission per campaign and creator
  router.get('/reports', requireApiKey(deps, 'admin'), async (req, res) => {
    const report = await buildReport(deps, scopeOf(req), parse(reportQuery, req.query));
    res.json({ object: 'report', ...report, from: toUnixSeconds(report.from), to: toUnixSeconds(report.to) });
  });

  return router;
}
