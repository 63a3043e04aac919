// Events the engine emits while it runs; the live terminal view (src/ui/) observes them.
import type { Lab, Step } from '../spec/types.js';
import type { CheckResult, CleanupResult, PreflightItem, RunResult, StepResult } from './result.js';

export type EngineEvent =
  | {
      type: 'lab-start';
      lab: Lab;
      mode: 'run' | 'verify';
      target: string;
      workDir?: string;
      stepCount: number;
    }
  | { type: 'preflight'; items: PreflightItem[] }
  | { type: 'step-start'; step: Step; index: number; total: number }
  | { type: 'step-output'; step: Step; stream: 'stdout' | 'stderr'; chunk: string }
  | { type: 'step-end'; result: StepResult; index: number; total: number }
  | { type: 'check-start'; id: string; title: string }
  | { type: 'check-end'; result: CheckResult }
  | { type: 'phase'; phase: 'verify' | 'cleanup' }
  | { type: 'cleanup-end'; result: CleanupResult }
  | { type: 'lab-end'; result: RunResult };

export type EventListener = (event: EngineEvent) => void;
