import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema, loadConfig } from '../../server/src/config';
import { ROOT } from '../helpers/process';

/**
 * The docs tell brands and operators what to write; these checks keep them true. Code blocks marked
 * `<!-- file: … -->` must be that file, `<!-- excerpt: … -->` its lines in order (`// …` elides),
 * and tables generated from code must list exactly what the code has.
 */

const DOCS = path.join(ROOT, 'docs');
const read = (relative: string) => readFileSync(path.join(ROOT, relative), 'utf8');
const docFiles = readdirSync(DOCS).filter((name) => name.endsWith('.md'));

/** Code blocks that follow a `<!-- kind: path -->` marker, anywhere in docs/. */
function markedBlocks(kind: string) {
  const blocks: { doc: string; target: string; code: string }[] = [];
  for (const doc of docFiles) {
    const pattern = new RegExp(`<!-- ${kind}: (\\S+) -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``, 'g');
    for (const [, target, code] of read(`docs/${doc}`).matchAll(pattern)) blocks.push({ doc, target, code });
  }
  return blocks;
}

/** The marked text of one doc: the lines after `<!-- kind: … -->` up to the next blank line. */
function markedText(doc: string, kind: string) {
  const match = new RegExp(`<!-- ${kind}: \\S+ -->\\n([\\s\\S]*?)\\n\\n`).exec(read(doc));
  if (!match) throw new Error(`${doc} has no ${kind} marker`);
  return match[1];
}

describe('docs/', () => {
  it('shows the examples’ integration files exactly as they are', () => {
    const blocks = markedBlocks('file');
    expect(blocks.map((block) => block.target)).toEqual(
      expect.arrayContaining([
        'examples/storefront/shoutout.ts',
        'examples/nextjs/app/layout.tsx',
        'examples/nextjs/app/api/signup/route.ts',
        'examples/nextjs/app/api/checkout/route.ts',
        'examples/nextjs/lib/session.ts',
      ]),
    );
    for (const { doc, target, code } of blocks) expect(`${code}\n`, `${doc} → ${target}`).toBe(read(target));
  });

  it('has both example shops use the one integration module the docs show, with the same Stripe client', () => {
    expect(read('examples/nextjs/lib/shoutout.ts')).toBe(read('examples/storefront/shoutout.ts'));
    expect(read('examples/nextjs/lib/stripe.ts')).toBe(read('examples/storefront/stripe.ts'));
  });

  it('quotes the example storefront’s handlers line for line', () => {
    const blocks = markedBlocks('excerpt');
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const { doc, target, code } of blocks) {
      const source = read(target).split('\n').map((line) => line.trim());
      let at = 0;
      for (const line of code.split('\n').map((text) => text.trim())) {
        if (!line || line.startsWith('// …')) continue;
        const found = source.indexOf(line, at);
        expect(found, `${doc}: "${line}" is not in ${target} (in this order)`).toBeGreaterThanOrEqual(0);
        at = found + 1;
      }
    }
  });

  it('gives the pixel tag the storefront puts on its pages', () => {
    const tag = markedText('docs/getting-started.md', 'tag').replace(/^```html\n|\n```$/g, '');
    const template = tag.replace('https://SHOUTOUT_HOST', '${process.env.SHOUTOUT_URL}').replace('org_…', '${process.env.SHOUTOUT_ORG_ID}');
    expect(read('examples/storefront/server.ts')).toContain(template);
  });

  it('lists every configuration variable with its default', () => {
    const rows = [...markedText('docs/self-hosting.md', 'env table').matchAll(/^\| `(\w+)` \|([^|]*)\|/gm)].map(([, key, fallback]) => ({
      key,
      fallback: fallback.trim().replace(/^`|`$/g, ''),
    }));
    const keys = Object.keys((configSchema as unknown as { in: { shape: Record<string, unknown> } }).in.shape);
    expect(rows.map((row) => row.key)).toEqual(keys);
    const defaults = loadConfig({}) as Record<string, unknown>;
    for (const { key, fallback } of rows) expect(fallback, key).toBe(defaults[key] === undefined ? '' : String(defaults[key]));
  });

  it('gives operators the very command npm start runs after building, for supervisors to signal', () => {
    const [block] = markedBlocks('start command');
    expect(JSON.parse(read('package.json')).scripts.start).toBe(`npm run build --silent && ${block?.code}`);
  });

  it('lists every error code the service raises', () => {
    const table = read('docs/api.md').split('| status | `type` | `code` |')[1].split('\n\n')[0];
    const raised = new Set<string>();
    for (const file of readdirSync(path.join(ROOT, 'server/src'), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'))) {
      const source = read(`server/src/${file}`);
      // `ApiError.invalid('code'`, `ApiError.conflict('code'`, `new ApiError('type', 'code'`
      for (const [, code] of source.matchAll(/ApiError(?:\.(?:invalid|conflict)\(|\(\s*'\w+',)\s*'(\w+)'/g)) raised.add(code);
    }
    expect(raised.size).toBeGreaterThan(25);
    for (const code of raised) expect(table, code).toContain(`\`${code}\``);
  });

  it('lists exactly the Stripe events the service handles', () => {
    const listed = [...markedText('docs/self-hosting.md', 'stripe events').matchAll(/`([a-z_.]+)`/g)].map((match) => match[1]).sort();
    const source = read('server/src/stripe/events.ts');
    const handled = [...source.matchAll(/'([a-z_.]+)': on\(|event\.type === '([a-z_.]+)'/g)].map((match) => match[1] ?? match[2]);
    expect(listed).toEqual([...new Set(handled)].sort());
  });

  it('links only to files and headings that exist', () => {
    const slug = (heading: string) => heading.toLowerCase().replace(/[^\w\s-]/g, '').trim().replace(/\s+/g, '-');
    for (const doc of [...docFiles.map((name) => `docs/${name}`), 'README.md', 'CHANGELOG.md', 'DEVELOPERS.md']) {
      for (const [, target] of read(doc).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^https?:/.test(target)) continue;
        const [file, anchor] = target.split('#');
        const resolved = path.resolve(ROOT, file ? path.join(path.dirname(doc), file) : doc);
        expect(existsSync(resolved), `${doc} → ${target}`).toBe(true);
        if (anchor) {
          const headings = [...readFileSync(resolved, 'utf8').matchAll(/^#+ (.+)$/gm)].map((match) => slug(match[1]));
          expect(headings, `${doc} → ${target}`).toContain(anchor);
        }
      }
    }
  });
});
