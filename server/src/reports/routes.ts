import type { IRouter } from 'express';
import type { Deps } from '../deps';
import { requireApiKey, scopeOf } from '../http/auth';
import { sendJson } from '../http/respond';
import { parse, toUnixSeconds } from '../http/validate';
import { type ReportResponse, reportQuery } from './schemas';
import { buildReport } from './service';

export function reportRoutes(app: IRouter, deps: Deps): void {

  // GET /api/reports – clicks, signups, conversions, revenue and commission per campaign and creator
  app.get('/api/reports', requireApiKey(deps, 'admin'), async (req, res) => {
    const report = await buildReport(deps, scopeOf(req), parse(reportQuery, req.query));
    const body: ReportResponse = { object: 'report', ...report, from: toUnixSeconds(report.from), to: toUnixSeconds(report.to) };
    sendJson(res, body);
  });
}
