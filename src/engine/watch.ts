// `ailab verify --watch`: the verify checks again and again — every `intervalMs`, and soon after a file
// in the work folder changes — until the signal stops it. Each round is an ordinary verify run.
import { type Dirent, type FSWatcher, readdirSync, watch } from 'node:fs';
import { basename, join } from 'node:path';
import type { Lab } from '../spec/types.js';
import type { EngineEvent } from './events.js';
import type { RunResult } from './result.js';
import { type RunOptions, runLab } from './run-lab.js';

export type RoundReason = 'start' | 'interval' | 'change';

export interface WatchOptions extends Omit<RunOptions, 'mode' | 'signal' | 'runId' | 'onEvent'> {
  /** Time between rounds when nothing changes. */
  intervalMs: number;
  /** Quiet time after a file change before a round starts (a save often writes several events). */
  debounceMs?: number;
  /** Stops watching; a round in flight is interrupted and does not count. */
  signal: AbortSignal;
  /** Watch the work folder for changes (local targets only); default true. */
  watchFiles?: boolean;
  onRoundStart?: (round: number, reason: RoundReason) => void;
  onEvent?: (event: EngineEvent, round: number) => void;
  onRound?: (result: RunResult, round: number) => void;
}

export interface WatchOutcome {
  /** The last round that ran to its end. */
  last?: RunResult;
  /** The round Ctrl-C cut short, if any. */
  interrupted?: RunResult;
  rounds: number;
}

/**
 * Wakes the loop: after the interval, or after a change once things are quiet for `debounceMs`. A change
 * made while a round runs (a learner saving a file just then) wakes the next round too — unless the
 * round before was itself woken that way: checks that write into the work folder must not make the
 * loop spin, so such a change waits for the interval.
 */
export class Wakeup {
  private waiting = false;
  private changedDuringRound = false;
  private lastWokenByOwnChange = false;
  private timer?: NodeJS.Timeout;
  private wake?: (reason: RoundReason) => void;

  constructor(private readonly debounceMs: number) {}

  changed(): void {
    if (!this.waiting) {
      this.changedDuringRound = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake?.('change'), this.debounceMs);
  }

  /** A round starts: changes from now on happened during it. */
  roundStarts(): void {
    this.waiting = false;
    this.changedDuringRound = false;
    clearTimeout(this.timer);
  }

  wait(intervalMs: number, signal: AbortSignal): Promise<RoundReason | 'stop'> {
    this.waiting = true;
    const ownChange = this.changedDuringRound && !this.lastWokenByOwnChange;
    this.lastWokenByOwnChange = ownChange;
    return new Promise((resolve) => {
      const done = (reason: RoundReason | 'stop') => {
        clearTimeout(interval);
        clearTimeout(this.timer);
        signal.removeEventListener('abort', onAbort);
        this.wake = undefined;
        this.waiting = false;
        resolve(reason);
      };
      const onAbort = () => done('stop');
      const interval = setTimeout(() => done('interval'), intervalMs);
      this.wake = done;
      if (signal.aborted) done('stop');
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        if (ownChange) this.timer = setTimeout(() => this.wake?.('change'), this.debounceMs);
      }
    });
  }

  stop(): void {
    this.waiting = false;
    clearTimeout(this.timer);
  }
}

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '__pycache__', '.venv', 'venv']);

/** The folders under `root` (itself first, breadth first) that watchTree watches on Linux. */
export function watchedFolders(root: string, maxDirs = 256): string[] {
  const found: string[] = [];
  const queue = [root];
  while (queue.length > 0 && found.length < maxDirs) {
    const path = queue.shift()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch {
      continue; // not a folder (a file was made), or gone already
    }
    found.push(path);
    for (const entry of entries) {
      if (entry.isDirectory() && !SKIP_DIRS.has(entry.name)) queue.push(join(path, entry.name));
    }
  }
  return found;
}

/**
 * Watch a folder tree: one recursive watcher where the platform has them natively (macOS, Windows);
 * on Linux one watcher per folder (inotify), skipping node_modules, VCS and virtualenv folders and
 * stopping at `maxDirs`, so a work folder in $HOME does not cost thousands of watches.
 */
export function watchTree(dir: string, onChange: () => void, maxDirs = 256): { close(): void } {
  const watchers: FSWatcher[] = [];
  const watched = new Set<string>();
  const add = (path: string, recursive: boolean): boolean => {
    if (watched.has(path) || watched.size >= maxDirs) return false;
    try {
      const w = watch(path, { recursive, persistent: false }, (_event, name) => {
        onChange();
        // A folder made after the start gets its own watcher.
        if (!recursive && name) addTree(join(path, name.toString()));
      });
      w.on('error', () => w.close());
      watchers.push(w);
      watched.add(path);
      return true;
    } catch {
      return false;
    }
  };
  const addTree = (root: string) => {
    if (watched.has(root) || SKIP_DIRS.has(basename(root))) return;
    for (const path of watchedFolders(root, maxDirs - watched.size)) add(path, false);
  };
  if (process.platform === 'darwin' || process.platform === 'win32') {
    if (!add(dir, true)) addTree(dir);
  } else {
    addTree(dir);
  }
  return {
    close() {
      for (const w of watchers) w.close();
    },
  };
}

/** Run the lab's verify checks in rounds until `signal` aborts; returns the last complete round. */
export async function watchLab(lab: Lab, options: WatchOptions): Promise<WatchOutcome> {
  const {
    intervalMs,
    debounceMs = 300,
    signal,
    watchFiles = true,
    onRoundStart,
    onEvent,
    onRound,
    ...run
  } = options;
  const wakeup = new Wakeup(debounceMs);
  let watcher: { close(): void } | undefined;
  const outcome: WatchOutcome = { rounds: 0 };
  let reason: RoundReason = 'start';
  const startWatching = (dir: string | undefined) => {
    if (!watcher && watchFiles && dir && run.target.kind === 'local') {
      watcher = watchTree(dir, () => wakeup.changed());
    }
  };
  // With a known work folder, watch from the start: a change during the first round counts too.
  startWatching(run.workDir);
  try {
    while (!signal.aborted) {
      const round = ++outcome.rounds;
      onRoundStart?.(round, reason);
      wakeup.roundStarts();
      const result = await runLab(lab, {
        ...run,
        mode: 'verify',
        signal,
        onEvent: onEvent && ((event) => onEvent(event, round)),
      });
      if (signal.aborted) {
        outcome.interrupted = result;
        break;
      }
      outcome.last = result;
      onRound?.(result, round);
      startWatching(result.workDir);
      const next = await wakeup.wait(intervalMs, signal);
      if (next === 'stop') break;
      reason = next;
    }
  } finally {
    watcher?.close();
    wakeup.stop();
  }
  return outcome;
}
