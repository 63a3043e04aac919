// `node --import ./record-modules.mjs …`: writes every module the process loads, one a line, to the
// file named by AILAB_MODULE_LOG. ES modules through a resolve hook (module.register); CommonJS
// require() calls (the bundle gives its dependencies a require) through Module._load.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const log = process.env.AILAB_MODULE_LOG;
if (log) {
  register('./record-modules-hooks.mjs', import.meta.url, { data: { log } });
  const load = Module._load;
  Module._load = function recordLoad(request, parent, ...rest) {
    try {
      const resolved = Module.builtinModules.includes(request.replace(/^node:/, ''))
        ? `node:${request.replace(/^node:/, '')}`
        : Module._resolveFilename(request, parent);
      appendFileSync(log, `cjs ${resolved}\n`);
    } catch {
      appendFileSync(log, `cjs-unresolved ${request}\n`);
    }
    return load.call(this, request, parent, ...rest);
  };
}
