import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // The machine has 2 cores; integration tests start real processes and servers.
    maxWorkers: 2,
    // Every run and verify keeps its report in the history: tests (and the CLIs they start) write it
    // to a throwaway folder, never to the real $XDG_STATE_HOME; a test that looks at it sets its own.
    env: { AILAB_STATE_DIR: join(tmpdir(), 'ailab-test-state') },
    // GitHub's workflow parser imports its schema JSON without an import attribute, which Node 20
    // refuses; inlined, vite transforms that import.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
