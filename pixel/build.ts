import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export interface BuiltPixel {
  /** Minified IIFE, and the same bytes pre-compressed at the highest levels, computed once. */
  raw: Buffer;
  gzip: Buffer;
  brotli: Buffer;
  /** Content hash of `raw`: the ETag, and the `?v=` that makes a script URL immutable. */
  version: string;
}

const ENTRY = fileURLToPath(new URL('./src/index.ts', import.meta.url));

/** `pixel`: `/api/script.js`; `referral-tracker`: the same with Blitz Rocket's query-string settings and calls. */
export type PixelVariant = 'pixel' | 'referral-tracker';

const building = new Map<PixelVariant, Promise<BuiltPixel>>();

/**
 * Builds the pixel in memory with esbuild the first time it is asked for and keeps it for the life
 * of the process: `npm start` and `npm test` work from a clean clone with no build step, and the
 * served script can never be stale relative to the source it runs with.
 */
export function loadPixel(variant: PixelVariant = 'pixel'): Promise<BuiltPixel> {
  let built = building.get(variant);
  if (!built) {
    built = buildPixel(variant).catch((error) => {
      building.delete(variant);
      throw error;
    });
    building.set(variant, built);
  }
  return built;
}

async function buildPixel(variant: PixelVariant): Promise<BuiltPixel> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    minify: true,
    format: 'iife',
    // Optional catch binding (ES2019) is the newest syntax kept; every browser in use has it.
    target: 'es2019',
    legalComments: 'none',
    define: { BLITZ: String(variant === 'referral-tracker') },
    // Modules are strict anyway; the directive would only add bytes.
    tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
    write: false,
  });
  const raw = Buffer.from(result.outputFiles[0].contents);
  return {
    raw,
    gzip: gzipSync(raw, { level: 9 }),
    brotli: brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    version: createHash('sha256').update(raw).digest('base64url').slice(0, 16),
  };
}

/** Byte sizes of the served script as built, gzip -9 and brotli 11: the budget test and the bench read these. */
export async function pixelSizes(variant: PixelVariant = 'pixel'): Promise<{ raw: number; gzip: number; brotli: number }> {
  const { raw, gzip, brotli } = await loadPixel(variant);
  return { raw: raw.length, gzip: gzip.length, brotli: brotli.length };
}
