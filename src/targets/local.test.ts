import { describe, expect, it } from 'vitest';
import { LocalTarget } from './local.js';

describe('LocalTarget.exec', () => {
  it('survives a command that exits without reading its input (EPIPE on the pipe)', async () => {
    const target = new LocalTarget();
    // Far more than a pipe buffer holds, to a command that never reads it.
    const input = 'x'.repeat(8 * 1024 * 1024);
    for (let i = 0; i < 3; i++) {
      const result = await target.exec('exit 3', { input });
      expect(result.exitCode).toBe(3);
    }
    const echoed = await target.exec('wc -c', { input: 'hello' });
    expect(echoed.stdout.trim()).toBe('5');
  });
});
