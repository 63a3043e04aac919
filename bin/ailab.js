#!/usr/bin/env node
// The `ailab` command: runs the esbuild bundle (built by `npm install` through the prepare script).
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/main.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('ailab: dist/main.js is missing: run `npm run build` (npm install runs it)\n');
  process.exit(2);
}
await import(bundle.href);
