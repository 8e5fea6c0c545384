import type { Deps } from '../deps';

/** How often each instance sweeps. Deleting what is already gone changes nothing, so instances may sweep alike. */
export const SWEEP_EVERY_MS = 3_600_000;

/**
 * Deletes every org's events and finished deliveries older than WEBHOOK_RETENTION_DAYS: without it
 * both collections grow by every change told, for good. A delivery still being tried (a resend of
 * an old one) stays; if its event has gone, its next attempt fails saying so.
 */
export async function sweepOldWebhooks(deps: Deps): Promise<{ events: number; deliveries: number }> {
  const cutoff = new Date(deps.now().getTime() - deps.config.WEBHOOK_RETENTION_DAYS * 86_400_000);
  const [events, deliveries] = await Promise.all([deps.store.webhookEvents.deleteBefore(cutoff), deps.store.webhookDeliveries.deleteFinishedBefore(cutoff)]);
  if (events > 0 || deliveries > 0) deps.logger.info({ events, deliveries, before: cutoff.toISOString() }, 'old webhook events and deliveries deleted');
  return { events, deliveries };
}
