/**
 * The signature the mocked Dashboard returns. Kept apart from backend.ts: setup.ts's mock of
 * `@stripe/ui-extension-sdk/utils` loads it, and backend.ts imports that mocked module, so loading
 * backend.ts from the mock factory would wait on itself forever.
 */
export const SIGNATURE = 't=1700000000,v1=signed-by-the-dashboard';
