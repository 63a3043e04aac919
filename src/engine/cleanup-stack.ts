// Cleanup is a stack: pushed where each resource is made (a background service, a temp folder),
// unwound in reverse with its own timeout, also after a failure or Ctrl-C. Each undo is recorded.
import { formatDuration } from '../util/duration.js';
import type { CleanupResult } from './result.js';

interface Entry {
  id: string;
  title: string;
  undo: (signal: AbortSignal) => Promise<void>;
  timeoutMs: number;
  /** Recorded in the report (false for ailab's own bookkeeping, such as a temp folder). */
  visible: boolean;
}

export class CleanupStack {
  private readonly entries: Entry[] = [];

  push(
    id: string,
    title: string,
    undo: (signal: AbortSignal) => Promise<void>,
    options: { timeoutMs?: number; visible?: boolean } = {},
  ): void {
    this.entries.push({
      id,
      title,
      undo,
      timeoutMs: options.timeoutMs ?? 30_000,
      visible: options.visible ?? true,
    });
  }

  get size(): number {
    return this.entries.length;
  }

  async unwind(onResult?: (result: CleanupResult) => void): Promise<CleanupResult[]> {
    const results: CleanupResult[] = [];
    while (this.entries.length > 0) {
      const entry = this.entries.pop()!;
      const started = Date.now();
      const signal = AbortSignal.timeout(entry.timeoutMs);
      let result: CleanupResult;
      try {
        await Promise.race([
          entry.undo(signal),
          new Promise((_, reject) =>
            signal.addEventListener(
              'abort',
              () => reject(new Error(`timed out after ${formatDuration(entry.timeoutMs)}`)),
              { once: true },
            ),
          ),
        ]);
        result = {
          id: entry.id,
          title: entry.title,
          status: 'pass',
          message: 'done',
          durationMs: Date.now() - started,
        };
      } catch (error) {
        result = {
          id: entry.id,
          title: entry.title,
          status: 'error',
          message: (error as Error).message,
          durationMs: Date.now() - started,
        };
      }
      if (entry.visible) {
        results.push(result);
        onResult?.(result);
      }
    }
    return results;
  }
}
