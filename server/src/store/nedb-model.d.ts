// NeDB's document serializer, which its persistence uses for every line of a data file.
declare module '@seald-io/nedb/lib/model.js' {
  export function serialize(document: unknown): string;
}
