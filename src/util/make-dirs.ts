// `mkdir -p` that cannot hang. Node's own `mkdir(path, {recursive: true})` (20 and 22) spins forever at
// 100% CPU when the kernel answers ENOENT for a child of a directory that exists: a path under /proc
// or /sys, or below a dangling symlink (`--report json:/proc/x/out.json` hung ailab). This walks up to
// the first directory that exists, then makes each missing one, so such a path fails with its ENOENT.
// Synchronous: a few system calls, called before writing a file.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function makeDirs(path: string, mode?: number): void {
  const missing: string[] = [];
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    try {
      if (statSync(dir).isDirectory()) break;
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), {
        code: 'ENOTDIR',
        path: dir,
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      missing.unshift(dir);
      if (dirname(dir) === dir) break;
    }
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
