/**
 * The operations under way, so that closing can wait for them: MongoDB's driver 7 closes
 * connections in use, failing whatever was still running on them.
 */
export class InFlight {
  private readonly pending = new Set<Promise<unknown>>();

  track<R>(operation: Promise<R>): Promise<R> {
    this.pending.add(operation);
    const settled = () => this.pending.delete(operation);
    operation.then(settled, settled);
    return operation;
  }

  /** Resolves once nothing is in flight, including operations started while waiting. */
  async drained(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled(this.pending);
  }
}
