import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export interface BuiltPixel {
  /** Minified IIFE, and the same bytes pre-compressed at the highest levels, computed once. */
  raw: Buffer;
  gzip: Buffer;
  brotli: Buffer;
  /** Content hash of `raw`: the ETag, and the `?v=` that makes a script URL immutable. */
  version: string;
}

// A production build (`npm run build`) bakes the bundled pixel in here; run from source, it is bundled on first use.
declare const SHOUTOUT_BUILT_PIXEL: string | undefined;

let building: Promise<BuiltPixel> | undefined;

/**
 * The pixel, compressed once and kept for the life of the process. Run from source (tests, the
 * demo) it is built in memory the first time it is asked for, so it can never be stale relative to
 * the source it runs with; the production build brings it ready-made.
 */
export function loadPixel(): Promise<BuiltPixel> {
  building ??= buildPixel().catch((error) => {
    building = undefined;
    throw error;
  });
  return building;
}

/** The pixel as served: `src/index.ts` bundled and minified by esbuild. */
export async function bundlePixel(): Promise<string> {
  // Loaded only here, so that a production build, which has the pixel baked in, never loads esbuild.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./src/index.ts', import.meta.url))],
    bundle: true,
    minify: true,
    format: 'iife',
    // Optional catch binding (ES2019) is the newest syntax kept; every browser in use has it.
    target: 'es2019',
    legalComments: 'none',
    // Modules are strict anyway; the directive would only add bytes.
    tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
    write: false,
  });
  return result.outputFiles[0].text;
}

async function buildPixel(): Promise<BuiltPixel> {
  const raw = Buffer.from(typeof SHOUTOUT_BUILT_PIXEL === 'string' ? SHOUTOUT_BUILT_PIXEL : await bundlePixel());
  return {
    raw,
    gzip: gzipSync(raw, { level: 9 }),
    brotli: brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    version: createHash('sha256').update(raw).digest('base64url').slice(0, 16),
  };
}

/** Byte sizes of the served script as built, gzip -9 and brotli 11: the budget test and the bench read these. */
export async function pixelSizes(): Promise<{ raw: number; gzip: number; brotli: number }> {
  const { raw, gzip, brotli } = await loadPixel();
  return { raw: raw.length, gzip: gzip.length, brotli: brotli.length };
}
