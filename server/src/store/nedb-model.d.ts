// NeDB's data-file line format (which our faster serializer must match), the comparison its
// indexes order keys by, the copy it hands out instead of stored documents, its crash-safe file
// rewrite, and its index (which the embedded store gives hashed keys, and tests compare with the
// stock one).
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

declare module '@seald-io/nedb/lib/indexes.js' {
  export default class Index {
    constructor(options: { fieldName: string; unique?: boolean; sparse?: boolean });
    fieldName: string;
    unique: boolean;
    tree: unknown;
    insert(documents: object | object[]): void;
    remove(documents: object | object[]): void;
    update(oldDocument: object, newDocument: object): void;
    getMatching(value: unknown): object[];
    getBetweenBounds(query: Record<string, unknown>): object[];
    getAll(): object[];
  }
}
