// Module hooks (run in Node's loader thread) for record-modules.mjs: log each resolved ES module URL.
import { appendFileSync } from 'node:fs';

let log;

export function initialize(data) {
  log = data.log;
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(log, `esm ${result.url}\n`);
  return result;
}
