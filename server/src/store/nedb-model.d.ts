// NeDB's document serializer, which its persistence uses for every line of a data file, the
// comparison its indexes order keys by, and the copy it hands out instead of stored documents.
declare module '@seald-io/nedb/lib/model.js' {
  export function serialize(document: unknown): string;
  export function compareThings(a: unknown, b: unknown): number;
  export function deepCopy<T>(value: T): T;
}
