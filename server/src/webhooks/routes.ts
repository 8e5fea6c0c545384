import type { IRouter } from 'express';
import type { Deps } from '../deps';
import { requireApiKey, scopeOf } from '../http/auth';
import { sendJson } from '../http/respond';
import { parse } from '../http/validate';
import { createEndpointSchema, listDeliveriesQuery, listEventsQuery, rollSecretSchema, updateEndpointSchema } from './schemas';
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  getEvent,
  listDeliveries,
  listEndpoints,
  listEvents,
  resendDelivery,
  rollSecret,
  updateEndpoint,
} from './service';

export function webhookRoutes(app: IRouter, deps: Deps): void {
  app.use(['/api/webhook_endpoints', '/api/events'], requireApiKey(deps, 'admin'));

  // POST /api/webhook_endpoints – add an endpoint; its signing secret is in this answer only
  app.post('/api/webhook_endpoints', async (req, res) => {
    sendJson(res, await createEndpoint(deps, scopeOf(req), parse(createEndpointSchema, req.body)), 201);
  });

  // GET /api/webhook_endpoints – the endpoints of the key's mode
  app.get('/api/webhook_endpoints', async (req, res) => {
    sendJson(res, await listEndpoints(deps, scopeOf(req)));
  });

  // GET /api/webhook_endpoints/:id – one endpoint
  app.get('/api/webhook_endpoints/:id', async (req, res) => {
    sendJson(res, await getEndpoint(deps, scopeOf(req), String(req.params.id)));
  });

  // PATCH /api/webhook_endpoints/:id – change the URL, events or description; disable or enable it
  app.patch('/api/webhook_endpoints/:id', async (req, res) => {
    sendJson(res, await updateEndpoint(deps, scopeOf(req), String(req.params.id), parse(updateEndpointSchema, req.body)));
  });

  // DELETE /api/webhook_endpoints/:id – stop sending to it for good
  app.delete('/api/webhook_endpoints/:id', async (req, res) => {
    sendJson(res, await deleteEndpoint(deps, scopeOf(req), String(req.params.id)));
  });

  // POST /api/webhook_endpoints/:id/roll_secret – a new signing secret; the previous one signs too for a while
  app.post('/api/webhook_endpoints/:id/roll_secret', async (req, res) => {
    sendJson(res, await rollSecret(deps, scopeOf(req), String(req.params.id), parse(rollSecretSchema, req.body)));
  });

  // GET /api/webhook_endpoints/:id/deliveries – the endpoint's delivery log, newest first
  app.get('/api/webhook_endpoints/:id/deliveries', async (req, res) => {
    sendJson(res, await listDeliveries(deps, scopeOf(req), String(req.params.id), parse(listDeliveriesQuery, req.query)));
  });

  // POST /api/webhook_endpoints/:id/deliveries/:delivery/resend – send a delivery again now
  app.post('/api/webhook_endpoints/:id/deliveries/:delivery/resend', async (req, res) => {
    sendJson(res, await resendDelivery(deps, scopeOf(req), String(req.params.id), String(req.params.delivery)));
  });

  // GET /api/events – events of the key's mode, newest first, to catch up after an outage
  app.get('/api/events', async (req, res) => {
    sendJson(res, await listEvents(deps, scopeOf(req), parse(listEventsQuery, req.query)));
  });

  // GET /api/events/:id – one event, as it was sent
  app.get('/api/events/:id', async (req, res) => {
    sendJson(res, await getEvent(deps, scopeOf(req), String(req.params.id)));
  });
}
