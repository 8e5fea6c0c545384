import type { Deps } from '../deps';
import { relayPending } from './relay';
import { SWEEP_EVERY_MS, sweepOldWebhooks } from './retention';
import { Sender } from './sender';

/** How often the store is looked at for work this process was not told about (other instances, a restart). */
const POLL_MS = 500;
/** Writes that asked for an event land within this; the relay then finds them at once. */
const NUDGE_DELAY_MS = 5;
/** Documents relayed, and attempts started, by one pass. */
const PASS_BATCH = 200;
/**
 * While this many requests are under way the server is busy serving, and the background gives way:
 * a pass at most every GIVE_WAY_MS doing at most GIVE_WAY_BATCH of each, about a tenth of the loop
 * at the measured ~1 ms per event relayed and delivered. Deliveries then trail the load by seconds
 * (Stripe's own do too) and catch up at full speed once it drops, instead of slowing every request.
 */
const BUSY_REQUESTS = 4;
const GIVE_WAY_MS = 100;
const GIVE_WAY_BATCH = 10;

/**
 * Runs the relay (marked documents to events and deliveries) and the sender in the background of a
 * server, never in the request or webhook that caused the event: a write only marks its document
 * and wakes this. One pass at a time; a pass that found work is followed by another at once. The
 * first pass also ends leases a dead process left (embedded store), and every hour one sweeps out
 * what is past its retention. Passes give way while the server is busy with requests.
 */
export class WebhookRuntime {
  private deps: Deps | null = null;
  private requestsInFlight: () => number = () => 0;
  private sender: Sender | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerDueAt = 0;
  private running: Promise<void> | null = null;
  private again = false;
  private recoverLeases = false;
  private sweptAt: number | null = null;

  /** After a write marked a document: a pass soon. Nothing in a process that does not send (the CLI). */
  nudge(delayMs = NUDGE_DELAY_MS): void {
    if (!this.deps) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(delayMs);
  }

  /** `requestsInFlight`: the server's requests under way, which the background gives way to. */
  start(deps: Deps, requestsInFlight: () => number): void {
    this.deps = deps;
    this.requestsInFlight = requestsInFlight;
    this.sender = new Sender(deps, () => this.nudge(0));
    // The embedded store has one process at a time (it locks its directory), so a lease held now
    // is a killed process's attempt in flight: tried again at once rather than when the lease ends.
    // On MongoDB other instances hold live leases; a dead one's end on their own.
    this.recoverLeases = deps.store.kind === 'embedded';
    this.schedule(0);
  }

  async stop(): Promise<void> {
    const { sender } = this;
    this.deps = null;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await sender?.stop();
  }

  /** Whether passes are giving way to requests now. */
  givingWay(): boolean {
    return this.requestsInFlight() >= BUSY_REQUESTS;
  }

  private schedule(requestedMs: number) {
    const delayMs = this.givingWay() ? Math.max(requestedMs, GIVE_WAY_MS) : requestedMs;
    const dueAt = performance.now() + delayMs;
    // A pass already due as soon stays: nudges on every write must not keep pushing it back.
    if (this.timer) {
      if (this.timerDueAt <= dueAt) return;
      clearTimeout(this.timer);
    }
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => this.run(), delayMs);
    this.timer.unref();
  }

  private run() {
    this.timer = null;
    const { deps, sender } = this;
    if (!deps || !sender) return;
    this.again = false;
    this.running = (async () => {
      try {
        if (this.recoverLeases) {
          const released = await deps.store.webhookDeliveries.releaseAll();
          this.recoverLeases = false;
          if (released > 0) deps.logger.warn({ deliveries: released }, 'webhook attempts a stopped process left unfinished are due again');
        }
        const batch = this.givingWay() ? GIVE_WAY_BATCH : PASS_BATCH;
        const relayed = await relayPending(deps, batch);
        const started = await sender.pass(batch);
        if (relayed > 0 || started > 0) this.again = true;
        const now = deps.now().getTime();
        if (this.sweptAt === null || now - this.sweptAt >= SWEEP_EVERY_MS) {
          this.sweptAt = now;
          await sweepOldWebhooks(deps);
        }
      } catch (error) {
        deps.logger.error({ err: error }, 'webhook relay or sender pass failed; trying again shortly');
      }
    })().finally(() => {
      this.running = null;
      if (this.deps) this.schedule(this.again ? 0 : POLL_MS);
    });
  }
}
