// NeDB's data-file line format (which our faster serializer must match), the comparison its
// indexes order keys by, and the copy it hands out instead of stored documents.
declare module '@seald-io/nedb/lib/model.js' {
  export function serialize(document: unknown): string;
  export function deserialize(line: string): unknown;
  export function compareThings(a: unknown, b: unknown): number;
  export function deepCopy<T>(value: T): T;
}
