import { deserialize, serialize } from '@seald-io/nedb/lib/model.js';
import { serializeDocument } from '../../server/src/store/embedded';

describe('embedded store data-file lines', () => {
  const document = {
    _id: 'conv_0123456789abcdef01234567',
    orgId: 'org_8632b536efc43daea4ee4694',
    livemode: true,
    amount: 8000,
    ratio: 0.25,
    flag: null,
    skipped: undefined,
    createdAt: new Date('2026-11-22T01:02:03.456Z'),
    metadata: { note: 'a "quoted" line\nbreak', nested: { at: new Date(0), list: [1, 'two', null, undefined, new Date(5), { deep: new Date(7) }] } },
    tags: [],
    empty: {},
  };

  it('writes exactly the line NeDB itself writes, dates included', () => {
    expect(serializeDocument(document)).toBe(serialize(document));
  });

  it('reads back through NeDB as the same document, with real dates', () => {
    const read = deserialize(serializeDocument(document)) as typeof document;
    // toEqual treats the dropped `skipped` as equal; inside an array, JSON turns undefined into null.
    const list = [1, 'two', null, null, new Date(5), { deep: new Date(7) }];
    expect(read).toEqual({ ...document, metadata: { ...document.metadata, nested: { ...document.metadata.nested, list } } });
    expect(read.createdAt).toBeInstanceOf(Date);
    expect(Object.keys(read)).not.toContain('skipped');
  });
});
