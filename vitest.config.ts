import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // The machine has 2 cores; integration tests start real processes and servers.
    maxWorkers: 2,
    // GitHub's workflow parser imports its schema JSON without an import attribute, which Node 20
    // refuses; inlined, vite transforms that import.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
