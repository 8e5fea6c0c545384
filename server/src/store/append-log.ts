import { type FileHandle, open } from 'node:fs/promises';

/**
 * Group commit for an append-only data file: while one write is on its way to the file, lines
 * appended meanwhile gather and go out together in the next write. `durable()` resolves once every
 * line appended before the call is in the file, so a caller can acknowledge exactly what is there.
 */
export class AppendLog {
  private pending = '';
  private inFlight: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  private handle: Promise<FileHandle> | null = null;

  constructor(private readonly filename: string, private readonly mode: number) {}

  append(text: string): void {
    this.pending += text;
  }

  durable(): Promise<void> {
    if (!this.pending) return this.inFlight ?? Promise.resolve();
    this.next ??= (this.inFlight ?? Promise.resolve())
      .catch(() => {})
      .then(() => {
        const text = this.pending;
        this.pending = '';
        this.next = null;
        const write = this.write(text);
        this.inFlight = write;
        write.then(
          () => this.inFlight === write && (this.inFlight = null),
          () => this.inFlight === write && (this.inFlight = null),
        );
        return write;
      });
    return this.next;
  }

  /** Flushes, then closes the file so the next write reopens it (compaction replaces the file). */
  async close(): Promise<void> {
    await this.durable();
    const handle = this.handle;
    this.handle = null;
    if (handle) await (await handle).close();
  }

  private async write(text: string): Promise<void> {
    this.handle ??= open(this.filename, 'a', this.mode);
    await (await this.handle).appendFile(text, 'utf8');
  }
}
