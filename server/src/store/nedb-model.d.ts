// NeDB's data-file line format (which our faster serializer must match), the comparison its
// indexes order keys by, the copy it hands out instead of stored documents, and its crash-safe
// file rewrite.
declare module '@seald-io/nedb/lib/model.js' {
  export function serialize(document: unknown): string;
  export function deserialize(line: string): unknown;
  export function compareThings(a: unknown, b: unknown): number;
  export function deepCopy<T>(value: T): T;
}

declare module '@seald-io/nedb/lib/storage.js' {
  export function crashSafeWriteFileLinesAsync(
    filename: string,
    lines: string[],
    modes?: { fileMode: number; dirMode: number },
  ): Promise<void>;
}
