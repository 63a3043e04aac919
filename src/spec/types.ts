// The normalised lab: every default filled in, so the engine never meets an undefined option.

/** NVIDIA GPUs a lab needs (preflight asks nvidia-smi on the target). */
export interface GpuRequirement {
  count: number;
  memoryBytes?: number;
  /** A case-insensitive regex GPU names must match. */
  name?: string;
}

export interface Requirements {
  commands: string[];
  gpu?: GpuRequirement;
  os: string[];
  cpus?: number;
  memoryBytes?: number;
  diskBytes?: number;
  python: string;
  pythonModules: string[];
  notes: string[];
}

export interface VarDef {
  name: string;
  default?: string;
  description?: string;
  secret: boolean;
  required: boolean;
  pattern?: string;
}

export interface ChoiceDef {
  name: string;
  prompt: string;
  options: { value: string; label: string }[];
  default: string;
}

export interface FileDef {
  template: string;
  /** Written only when this condition holds. */
  when?: string;
  to: string;
  mode?: number;
  render: boolean;
}

export interface Check {
  id: string;
  title: string;
  type: string;
  options: Record<string, unknown>;
  points: number;
  required: boolean;
  bonus: boolean;
  hint?: string;
  withinMs: number;
  intervalMs: number;
  timeoutMs: number;
  when?: string;
  requires: string[];
  /** Where it sits in the lab, e.g. steps[2].expect[0]. */
  path: string;
}

export type StepKind = 'run' | 'script' | 'background' | 'manual';

export interface Step {
  id: string;
  title: string;
  description?: string;
  kind: StepKind;
  run?: string;
  script?: { interpreter: string; body: string; args: string[] };
  background?: { run: string; ready?: Check; readyWithinMs: number; stop?: string };
  manual?: string;
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  continueOnError: boolean;
  env: Record<string, string>;
  cwd?: string;
  when?: string;
  /** The question asked before the step runs, when it is marked `confirm`. */
  confirm?: string;
  requires: string[];
  expect: Check[];
}

export interface CleanupStep {
  id: string;
  title: string;
  run: string;
  timeoutMs: number;
  when?: string;
}

/** A lab's `provision` block, camel-cased; strings may still hold `${{ name }}` placeholders. */
export interface ProvisionDef {
  /** Launch only when this condition holds (with the run's resolved values). */
  when?: string;
  cloud: string;
  gpu?: string;
  /** One type, or one per cloud (the cloud may come from a choice). */
  instanceType?: string | { aws?: string; gcp?: string };
  region?: string;
  zone?: string;
  project?: string;
  diskGb?: number;
  /** A boolean, or a `${{ choice }}` holding true/false. */
  spot?: boolean | string;
  maxHours?: number;
  maxHourlyCost?: number;
  user?: string;
  /** The host's idle stop (`30m`, `off`); undefined: ailab's default for labs (src/provision/idle-stop.ts). */
  idleStop?: string | number | boolean;
}

export interface Lab {
  id: string;
  week?: number;
  title: string;
  goal?: string;
  durationMs?: number;
  cost?: string;
  /** The YAML file it came from. */
  file: string;
  /** Where its `files[].template` paths resolve. */
  templatesDir: string;
  requires: Requirements;
  /** A cloud host to launch for the run (src/provision/for-lab.ts). */
  provision?: ProvisionDef;
  /** The pod a k8s:// target runs the lab in (the lab's side; flags and inventory override). */
  pod?: { image?: string };
  vars: Record<string, VarDef>;
  choices: Record<string, ChoiceDef>;
  files: FileDef[];
  steps: Step[];
  cleanup: CleanupStep[];
  verify: Check[];
  passThreshold: number;
}
