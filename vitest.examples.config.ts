import { defineConfig } from 'vitest/config';

// `npm run test:examples`: the example apps that have their own dependencies and a build of their own
// (`next build` takes a minute), kept out of `npm test`. `.ci/run` runs both.
export default defineConfig({
  test: {
    name: 'examples',
    include: ['test/examples/**/*.test.ts'],
    environment: 'node',
    globals: true,
    testTimeout: 60_000,
    hookTimeout: 600_000,
  },
});
