import type { Settings } from './types';

/**
 * The names the pixel reads on every org (pixel/src/params.ts), written out here because the uploaded
 * app is built from stripe-app/ alone; a test keeps the two lists equal.
 */
export const PIXEL_BUILT_IN_PARAMS = ['infl', 'ref', 'via', 'r', 'a'];

/**
 * The tag for the brand's pages. The script is the same for every org, so the org's own referral
 * params (share links use the first) reach it through `data-params`, or links carrying them record
 * no click.
 */
export function pixelSnippet(base: string, org: Pick<Settings['org'], 'id' | 'referral_params'>): string {
  const own = org.referral_params.filter((name) => !PIXEL_BUILT_IN_PARAMS.includes(name));
  const params = own.length > 0 ? ` data-params="${own.join(',')}"` : '';
  return `<script src="${base}/api/script.js" data-org="${org.id}"${params} defer></script>`;
}
