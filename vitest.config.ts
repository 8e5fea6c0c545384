import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'server',
          include: ['test/**/*.test.ts'],
          // The example apps build with their own dependencies: `npm run test:examples` (vitest.examples.config.ts).
          exclude: [...configDefaults.exclude, 'test/examples/**'],
          environment: 'node',
          globals: true,
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        // The Stripe App views, rendered by the SDK's remote-ui test renderer (no DOM needed).
        // Vite 8 transforms with oxc, which ignores `esbuild` options.
        oxc: { jsx: { runtime: 'automatic' } },
        test: {
          name: 'stripe-app',
          include: ['stripe-app/**/*.test.{ts,tsx}'],
          setupFiles: ['stripe-app/test/setup.ts'],
          environment: 'node',
          globals: true,
          testTimeout: 20_000,
        },
      },
    ],
  },
});
