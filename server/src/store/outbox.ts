import type { Collection, Filter, IndexSpec, Update } from './driver';

/**
 * The transactional outbox without transactions. The storage contract is atomic on one document
 * only, so an event cannot be written to its own collection in the same write as the change that
 * caused it. Instead the change marks its own document, in the same atomic `insertOne` or
 * `updateOne`: `eventVersion` counts the changes that should be told, `eventPending` flags the
 * document for the relay (webhooks/relay.ts). The relay derives each event's id from the document
 * and the version (`eventIdOf`), writes it (a unique id, so a second write of it is ignored), and
 * then clears the flag only if the version is still the one it read. A crash anywhere in between
 * leaves the flag set, and the relay derives the same event again; a change made meanwhile keeps
 * the flag for the next pass. No event is lost and none is written twice, on either adapter,
 * whatever embedded store sits behind the contract.
 */
export interface Outboxed {
  /** How many changes to this document asked for an event (1 for its creation). */
  eventVersion?: number;
  /** The version whose events were written; 0 while its creation is still to be told. */
  eventRelayed?: number;
  /** True while events are still to be written; null once they are (out of the embedded index). */
  eventPending?: boolean | null;
}

/**
 * Every outboxed collection's extra index: the relay finds marked documents by it. Only marked
 * documents are in it, so it stays as small as the backlog and an unmarked insert does not touch it.
 */
export const outboxIndex = <T extends Outboxed>(): IndexSpec<T> => ({ fields: ['eventPending' as keyof T & string], notNull: true });

/** The fields a new document carries when its creation should be told. */
export const markCreated = (tell: boolean): Outboxed => (tell ? { eventVersion: 1, eventRelayed: 0, eventPending: true } : {});

/** Merged into an update whose change should be told. */
export function markUpdated<T extends Outboxed>(tell: boolean, update: Update<T>): Update<T> {
  if (!tell) return update;
  return {
    ...update,
    $set: { ...update.$set, eventPending: true } as Partial<T>,
    $inc: { ...update.$inc, eventVersion: 1 } as Update<T>['$inc'],
  };
}

/** What the relay reads from and writes to one outboxed collection. */
export interface Outbox<T extends Outboxed> {
  pending(limit: number): Promise<T[]>;
  /** Clears the mark unless the document changed again since it was read (then it stays for the next pass). */
  relayed(doc: T): Promise<boolean>;
}

export function outboxOf<T extends Outboxed>(collection: Collection<T>, keyOf: (doc: T) => Filter<T>): Outbox<T> {
  return {
    pending: (limit) => collection.find({ eventPending: true } as Filter<T>, { limit }),
    relayed: async (doc) => {
      const version = doc.eventVersion ?? 0;
      const cleared = await collection.updateOne({ ...keyOf(doc), eventVersion: version } as Filter<T>, {
        $set: { eventPending: null, eventRelayed: version } as Partial<T>,
      });
      return cleared !== null;
    },
  };
}
