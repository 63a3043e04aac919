// Run one of the sample labs in test/labs with the real engine on this machine (LocalTarget),
// in a fresh work folder, resolving vars as the CLI does (defaults, then `sets`).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineEvent } from '../../src/engine/events.js';
import type { RunResult } from '../../src/engine/result.js';
import { type RunOptions, runLab } from '../../src/engine/run-lab.js';
import { resolveValues } from '../../src/engine/values.js';
import { loadLab } from '../../src/spec/load.js';
import type { Lab } from '../../src/spec/types.js';
import { LocalTarget } from '../../src/targets/local.js';
import { makeTempDir } from './temp-dirs.js';

export const SAMPLE_LABS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'labs');

export function sampleLabPath(id: string): string {
  return join(SAMPLE_LABS_DIR, `${id}.yaml`);
}

export interface SampleRun {
  lab: Lab;
  result: RunResult;
  workDir: string;
  events: EngineEvent[];
}

export interface SampleRunOptions extends Partial<Omit<RunOptions, 'target' | 'signal' | 'version'>> {
  /** `key=value`, as --set. */
  sets?: string[];
  controller?: AbortController;
  /** Called with each event (after it is recorded). */
  onEvent?: (event: EngineEvent) => void;
}

/** Load test/labs/<id>.yaml and run it with the real engine; the work folder is a fresh temp folder. */
export async function runSampleLab(id: string, options: SampleRunOptions = {}): Promise<SampleRun> {
  const lab = await loadLab(sampleLabPath(id));
  const { values, secrets } = await resolveValues(lab, { sets: options.sets ?? [] });
  const workDir = options.workDir ?? makeTempDir(`ailab-${id}-`);
  const events: EngineEvent[] = [];
  const controller = options.controller ?? new AbortController();
  const { sets: _sets, controller: _controller, onEvent, ...rest } = options;
  const result = await runLab(lab, {
    mode: 'run',
    ...rest,
    values: { ...values, ...(options.values ?? {}) },
    secrets: [...secrets, ...(options.secrets ?? [])],
    workDir,
    target: new LocalTarget(),
    signal: controller.signal,
    version: '0.0.0-test',
    onEvent: (event) => {
      events.push(event);
      onEvent?.(event);
    },
  });
  return { lab, result, workDir, events };
}
