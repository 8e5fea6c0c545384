import { appendFileSync, closeSync, openSync } from 'node:fs';

/**
 * Group commit for an append-only data file: lines appended during one turn of the event loop go
 * out together as one write at the end of that turn. `durable()` resolves once every line appended
 * before the call is in the file, so a caller can acknowledge exactly what is there.
 *
 * The write itself is synchronous. It lands in the OS page cache (that is what survives `kill -9`;
 * there is no fsync), which takes a few microseconds for a batch, far less than handing it to
 * libuv's thread pool and waiting for a pool thread on a busy machine: measured under load, the
 * asynchronous version left the event loop idle while every in-flight request waited for its batch.
 */
export class AppendLog {
  private pending = '';
  private flush: Promise<void> | null = null;
  private fd: number | null = null;

  constructor(private readonly filename: string, private readonly mode: number) {}

  append(text: string): void {
    this.pending += text;
  }

  durable(): Promise<void> {
    if (!this.pending) return Promise.resolve();
    this.flush ??= new Promise((resolve, reject) => {
      setImmediate(() => {
        this.flush = null;
        try {
          this.writePending();
          resolve();
        } catch (error) {
          reject(error);
        }
      });
    });
    return this.flush;
  }

  /** Writes what is pending, then closes the file so the next write reopens it (compaction replaces the file). */
  async close(): Promise<void> {
    this.writePending();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private writePending(): void {
    const text = this.pending;
    this.pending = '';
    if (!text) return;
    this.fd ??= openSync(this.filename, 'a', this.mode);
    appendFileSync(this.fd, text, 'utf8');
  }
}
