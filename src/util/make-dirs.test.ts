import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs } from '../../test/helpers/temp-dirs.js';
import { makeDirs } from './make-dirs.js';

afterEach(removeTempDirs);

describe('makeDirs', () => {
  it('makes every missing folder, with the mode asked, and is fine when they exist', () => {
    const root = makeTempDir('ailab-dirs-');
    const deep = join(root, 'a', 'b', 'c');
    makeDirs(deep, 0o700);
    expect(statSync(deep).isDirectory()).toBe(true);
    expect(statSync(join(root, 'a')).mode & 0o777).toBe(0o700);
    makeDirs(deep);
    expect(existsSync(deep)).toBe(true);
  });

  it('fails with ENOTDIR below a file', () => {
    const root = makeTempDir('ailab-dirs-');
    writeFileSync(join(root, 'file'), '');
    expect(() => makeDirs(join(root, 'file', 'x'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });

  // Node's recursive mkdir spins forever on these (procfs answers ENOENT for a new child of /proc).
  it.skipIf(!existsSync('/proc/self'))('fails at once with ENOENT under /proc, where mkdir -p hangs', () => {
    expect(() => makeDirs('/proc/ailab-no-such/x')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('fails at once below a dangling symlink', async () => {
    const root = makeTempDir('ailab-dirs-');
    const { symlinkSync } = await import('node:fs');
    symlinkSync(join(root, 'gone'), join(root, 'dangling'));
    expect(() => makeDirs(join(root, 'dangling', 'out'))).toThrow();
  });
});
