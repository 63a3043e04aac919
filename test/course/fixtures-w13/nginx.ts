// The load balancer of the week 13 and week 19 local paths: Debian's nginx when it is installed, else the
// stand-in (fake-nginx.mjs, which reads the same nginx.conf) as `nginx` in a bin folder put first on PATH.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { makeTempDir } from '../../helpers/temp-dirs.js';
import { writeStub } from '../fixtures-w01-05/ailab-cli.js';

const FAKE_NGINX = join(import.meta.dirname, 'fake-nginx.mjs');

/** `real`: Debian's nginx is on PATH; `path`: the PATH a lab run gets. */
export function nginxPath(): { real: boolean; path: string } {
  let real = false;
  try {
    execFileSync('sh', ['-c', 'command -v nginx'], { stdio: 'pipe' });
    real = true;
  } catch {}
  if (real) return { real, path: process.env.PATH ?? '' };
  const bin = makeTempDir('ailab-nginx-bin-');
  writeStub(bin, 'nginx', `#!/bin/sh\nexec "${process.execPath}" "${FAKE_NGINX}" "$@"\n`);
  return { real, path: `${bin}:${process.env.PATH}` };
}
