import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Write a report atomically: a reader never sees half a file, a crash never leaves one. */
export async function writeReportFile(file: string, content: string): Promise<void> {
  const path = resolve(file);
  await mkdir(dirname(path), { recursive: true });
  const { default: writeFileAtomic } = await import('write-file-atomic');
  await writeFileAtomic(path, content, { encoding: 'utf8', mode: 0o644 });
}
