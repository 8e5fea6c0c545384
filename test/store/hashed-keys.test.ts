import Index from '@seald-io/nedb/lib/indexes.js';
import { HashedKeys } from '../../server/src/store/hashed-keys';

/** NeDB's own index (an AVL tree) and the same index with hashed keys, fed the same documents. */
function indexPair(fieldName: string, unique: boolean) {
  const stock = new Index({ fieldName, unique });
  const hashed = new Index({ fieldName, unique });
  hashed.tree = new HashedKeys(unique);
  return { stock, hashed, both: (run: (index: Index) => void) => [stock, hashed].map((index) => outcome(() => run(index))) };
}

const outcome = (run: () => void) => {
  try {
    run();
    return 'ok';
  } catch (error) {
    return (error as { errorType?: string }).errorType ?? String(error);
  }
};
const ids = (documents: object[]) => documents.map((document) => (document as { _id: string })._id);

describe('HashedKeys, in place of the tree of a NeDB index', () => {
  // Keys NeDB orders apart even where JSON or loose equality would not: '1' and 1, null and a missing field, a date and its time.
  const values = ['a', 'b', '1', 1, 2, 0, true, false, null, undefined, new Date(1), new Date(2), 'clk_x', ''];

  it('finds, ranges over, lists and refuses duplicates of single-field keys as the tree does', () => {
    for (const unique of [true, false]) {
      const { stock, hashed, both } = indexPair('k', unique);
      const documents = [...values, ...values].map((k, i) => ({ _id: `d${i}`, k: k instanceof Date ? new Date(k) : k }));
      for (const document of documents) expect(new Set(both((index) => index.insert(document))).size).toBe(1);
      for (const value of values) expect(ids(hashed.getMatching(value))).toEqual(ids(stock.getMatching(value)));
      expect(ids(hashed.getMatching(['a', 1, null]))).toEqual(ids(stock.getMatching(['a', 1, null])));
      for (const bounds of [{ $gte: 'a' }, { $gt: 0, $lte: 2 }, { $lt: new Date(2) }, { $gte: '1', $lt: 'b' }]) {
        expect(ids(hashed.getBetweenBounds(bounds))).toEqual(ids(stock.getBetweenBounds(bounds)));
      }
      expect(ids(hashed.getAll()).sort()).toEqual(ids(stock.getAll()).sort());

      // Updates and removals, including a document that shares its key with others.
      const [first, second] = [documents[0], documents[values.length]];
      both((index) => index.update(first, { ...first, k: 'moved' }));
      both((index) => index.remove(second));
      for (const value of [...values, 'moved']) expect(ids(hashed.getMatching(value))).toEqual(ids(stock.getMatching(value)));
      expect(ids(hashed.getAll()).sort()).toEqual(ids(stock.getAll()).sort());
    }
  });

  it('treats compound keys as the tree does, whatever order their fields come in', () => {
    const { stock, hashed, both } = indexPair('orgId,livemode,code', true);
    const documents = [
      { _id: 'p1', orgId: 'org_a', livemode: true, code: 'ANNIE' },
      { _id: 'p2', orgId: 'org_a', livemode: false, code: 'ANNIE' },
      { _id: 'p3', orgId: 'org_b', livemode: true, code: 'ANNIE' },
      { _id: 'p4', orgId: 'org_a', livemode: true, code: 'BOB' },
    ];
    for (const document of documents) both((index) => index.insert(document));
    expect(both((index) => index.insert({ _id: 'p5', code: 'ANNIE', livemode: true, orgId: 'org_a' }))).toEqual(['uniqueViolated', 'uniqueViolated']);
    // A missing field and a null one are two keys.
    expect(both((index) => index.insert({ _id: 'p6', orgId: 'org_a', livemode: true }))).toEqual(['ok', 'ok']);
    expect(both((index) => index.insert({ _id: 'p7', orgId: 'org_a', livemode: true, code: null }))).toEqual(['ok', 'ok']);
    for (const key of [
      { orgId: 'org_a', livemode: true, code: 'ANNIE' },
      { code: 'ANNIE', orgId: 'org_a', livemode: true },
      { orgId: 'org_a', livemode: false, code: 'ANNIE' },
      { orgId: 'org_c', livemode: true, code: 'ANNIE' },
    ]) {
      expect(ids(hashed.getMatching(key))).toEqual(ids(stock.getMatching(key)));
    }
    expect(ids(hashed.getMatching({ orgId: 'org_a', livemode: true, code: 'ANNIE' }))).toEqual(['p1']);
  });
});
