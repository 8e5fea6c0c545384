import { configDefaults, defineConfig } from 'vitest/config';

// MongoDB is for the storage contract suite alone (test/helpers/store.ts), on throwaway databases
// it drops: every other test, and every process a test spawns, runs on the embedded store however
// the suite was started. The workers are forked from this process after the config is read, so
// taking the variables out of its environment keeps them from every test.
const mongodbUri = process.env.MONGODB_URI || null;
delete process.env.MONGODB_URI;
delete process.env.MONGODB_DB;

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
          provide: { mongodbUri },
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
