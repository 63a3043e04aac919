// Bundle the CLI with esbuild: one file per lazily-loaded command (code splitting), the heavy SDKs
// and ssh2 left external so they load only when used. A bundle starts much faster than many modules.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  external: ['@kubernetes/client-node', '@aws-sdk/*', '@google-cloud/*', 'ssh2'],
  // Some bundled CommonJS dependencies call require() or read __filename (write-file-atomic names its
  // temp files with it); give the ESM bundle both.
  banner: {
    js: "import { createRequire as __ailabCreateRequire } from 'node:module'; import { fileURLToPath as __ailabFileURLToPath } from 'node:url'; const require = __ailabCreateRequire(import.meta.url); const __ailab_filename = __ailabFileURLToPath(import.meta.url);",
  },
  define: { __filename: '__ailab_filename' },
});
