// Phase 2 of loading: fill every default from one place, so the engine never meets undefined options.
import { checkModules } from '../checks/index.js';
import { parseDuration } from '../util/duration.js';
import { parseSize } from '../util/size.js';
import type { CheckInput, LabDocument, StepInput } from './schema.js';
import type {
  Check,
  ChoiceDef,
  CleanupStep,
  Lab,
  ProvisionDef,
  Requirements,
  Step,
  VarDef,
} from './types.js';

export const DEFAULTS = {
  stepTimeoutMs: 10 * 60_000,
  retryDelayMs: 2000,
  checkTimeoutMs: 30_000,
  pollIntervalMs: 1000,
  cleanupTimeoutMs: 2 * 60_000,
  readyWithinMs: 30_000,
  readyIntervalMs: 250,
  passThreshold: 70,
  python: 'python3',
} as const;

const ms = (value: string | number | undefined, fallback: number): number =>
  value === undefined ? fallback : (parseDuration(value) ?? fallback);

/** The check type key of a check object (the schema's rules guarantee there is exactly one). */
export function checkTypeOf(check: Record<string, unknown>): string | undefined {
  return Object.keys(check).find((key) => key in checkModules);
}

export function normalizeCheck(
  input: CheckInput,
  path: string,
  defaultId: string,
  defaultPoints: number,
): Check {
  const raw = input as Record<string, unknown>;
  const type = checkTypeOf(raw) ?? 'unknown';
  const options = (raw[type] ?? {}) as Record<string, unknown>;
  return {
    id: input.id ?? defaultId,
    title: input.title ?? defaultCheckTitle(type, options),
    type,
    options,
    points: input.points ?? defaultPoints,
    required: input.required ?? false,
    bonus: input.bonus ?? false,
    hint: input.hint,
    withinMs: ms(input.within, 0),
    intervalMs: ms(input.interval, DEFAULTS.pollIntervalMs),
    timeoutMs: ms(input.timeout, DEFAULTS.checkTimeoutMs),
    when: input.when,
    requires: input.requires ?? [],
    path,
  };
}

function defaultCheckTitle(type: string, options: Record<string, unknown>): string {
  const subject =
    options.run ?? options.url ?? options.path ?? options.port ?? options.name ?? options.pattern;
  return subject === undefined ? type : `${type}: ${String(subject).split('\n')[0]}`;
}

function normalizeStep(input: StepInput, index: number): Step {
  const kind = input.run ? 'run' : input.script ? 'script' : input.background ? 'background' : 'manual';
  const path = `steps[${index}]`;
  return {
    id: input.id,
    title: input.title ?? input.id,
    description: input.description,
    kind,
    run: input.run,
    script: input.script && {
      interpreter: input.script.interpreter ?? 'bash',
      body: input.script.body,
      args: input.script.args ?? [],
    },
    background: input.background && {
      run: input.background.run,
      ready: input.background.ready
        ? {
            ...normalizeCheck(input.background.ready, `${path}.background.ready`, `${input.id}-ready`, 0),
            // A service is usually up within a second: poll readiness faster than other checks.
            intervalMs: ms(input.background.ready.interval, DEFAULTS.readyIntervalMs),
          }
        : undefined,
      readyWithinMs: ms(input.background.ready_within, DEFAULTS.readyWithinMs),
      stop: input.background.stop,
    },
    manual: input.manual,
    timeoutMs: ms(input.timeout, DEFAULTS.stepTimeoutMs),
    retries: input.retries ?? 0,
    retryDelayMs: ms(input.retry_delay, DEFAULTS.retryDelayMs),
    continueOnError: input.continue_on_error ?? false,
    env: input.env ?? {},
    cwd: input.cwd,
    when: input.when,
    confirm: input.confirm === true ? `Run "${input.title ?? input.id}"?` : input.confirm || undefined,
    requires: input.requires ?? [],
    expect: (input.expect ?? []).map((check, i) =>
      normalizeCheck(check, `${path}.expect[${i}]`, `${input.id}-${i + 1}`, 0),
    ),
  };
}

function normalizeRequirements(input: LabDocument['requires']): Requirements {
  const req = Array.isArray(input) ? { commands: input } : (input ?? {});
  // `gpu` in the commands list is the shorthand for "at least one NVIDIA GPU", not a program.
  const commands = req.commands ?? [];
  const gpu = 'gpu' in req ? req.gpu : undefined;
  const wantsGpu = gpu !== undefined || commands.includes('gpu');
  const gpuSpec = typeof gpu === 'object' ? gpu : {};
  return {
    commands: commands.filter((c) => c !== 'gpu'),
    ...(wantsGpu && {
      gpu: {
        count: gpuSpec.count ?? 1,
        memoryBytes: gpuSpec.memory ? parseSize(gpuSpec.memory) : undefined,
        name: gpuSpec.name,
      },
    }),
    os: req.os ?? [],
    cpus: req.cpus,
    memoryBytes: req.memory ? parseSize(req.memory) : undefined,
    diskBytes: req.disk ? parseSize(req.disk) : undefined,
    python: req.python ?? DEFAULTS.python,
    pythonModules: req.python_modules ?? [],
    notes: req.notes ?? [],
  };
}

function normalizeVars(input: LabDocument['vars']): Record<string, VarDef> {
  const vars: Record<string, VarDef> = {};
  for (const [name, value] of Object.entries(input ?? {})) {
    if (typeof value !== 'object') {
      vars[name] = { name, default: String(value), secret: false, required: false };
    } else {
      vars[name] = {
        name,
        default: value.default === undefined ? undefined : String(value.default),
        description: value.description,
        secret: value.secret ?? false,
        required: value.required ?? false,
        pattern: value.pattern,
      };
    }
  }
  return vars;
}

function normalizeChoices(input: LabDocument['choices']): Record<string, ChoiceDef> {
  const choices: Record<string, ChoiceDef> = {};
  for (const [name, choice] of Object.entries(input ?? {})) {
    const options = choice.options.map((o) =>
      typeof o === 'string' ? { value: o, label: o } : { value: o.value, label: o.label ?? o.value },
    );
    choices[name] = { name, prompt: choice.prompt, options, default: choice.default ?? options[0].value };
  }
  return choices;
}

function normalizeProvision(p: NonNullable<LabDocument['provision']>): ProvisionDef {
  return {
    when: p.when,
    cloud: p.cloud,
    gpu: p.gpu,
    instanceType: p.instance_type,
    region: p.region,
    zone: p.zone,
    project: p.project,
    diskGb: p.disk_gb,
    spot: p.spot,
    maxHours: p.max_hours,
    maxHourlyCost: p.max_hourly_cost,
    user: p.user,
    idleStop: p.idle_stop,
  };
}

export function normalizeLab(doc: LabDocument, file: string, templatesDir: string): Lab {
  const cleanup: CleanupStep[] = (doc.cleanup ?? []).map((c, i) => ({
    id: c.id ?? `cleanup-${i + 1}`,
    title: c.title ?? c.id ?? c.run.split('\n')[0],
    run: c.run,
    timeoutMs: ms(c.timeout, DEFAULTS.cleanupTimeoutMs),
    when: c.when,
  }));
  return {
    id: doc.id,
    week: doc.week,
    title: doc.title,
    goal: doc.goal,
    durationMs: doc.duration === undefined ? undefined : parseDuration(doc.duration),
    cost: doc.cost,
    file,
    templatesDir,
    requires: normalizeRequirements(doc.requires),
    ...(doc.provision ? { provision: normalizeProvision(doc.provision) } : {}),
    ...(doc.pod ? { pod: { image: doc.pod.image } } : {}),
    vars: normalizeVars(doc.vars),
    choices: normalizeChoices(doc.choices),
    files: (doc.files ?? []).map((f) => ({
      template: f.template,
      to: f.to,
      mode: f.mode === undefined ? undefined : Number.parseInt(f.mode, 8),
      render: f.render ?? true,
      ...(f.when !== undefined && { when: f.when }),
    })),
    steps: (doc.steps ?? []).map(normalizeStep),
    cleanup,
    verify: (doc.verify ?? []).map((check, i) => normalizeCheck(check, `verify[${i}]`, `verify-${i + 1}`, 1)),
    passThreshold: doc.pass_threshold ?? DEFAULTS.passThreshold,
  };
}
