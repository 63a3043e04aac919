// The lab spec format as zod schemas. The union of check types comes from the check registry:
// adding a check module adds its key here, with no second list.
import { z } from 'zod';
import { checkModules } from '../checks/index.js';

export const LAB_SCHEMA_VERSION = 1;

const durationPattern = /^(?:\d+(?:\.\d+)?|(?:\d+(?:\.\d+)?(?:ms|s|m|h))+)$/;
export const durationSchema = z
  .union([
    z.string().regex(durationPattern, 'a duration such as 500ms, 90s, 10m or 1h30m'),
    z.number().nonnegative(),
  ])
  .describe('A duration: 500ms, 90s, 10m, 1h30m, or a number of seconds.');

const idSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _ (e.g. start-server)')
  .describe('A short id: lower-case letters, digits, - and _.');

const sizePattern = /^\d+(?:\.\d+)?\s*(?:B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/;
const sizeSchema = z
  .string()
  .regex(sizePattern, 'a size such as 512MiB, 4GiB or 20GB')
  .describe('A size: 512MiB, 4GiB, 20GB.');

/** Conditions on vars and choices: `cloud == aws`, `cloud != gcp`, `use_gpu`, `!use_gpu`, joined by `&&`/`||`, grouped with ( ). */
export const conditionSchema = z
  .string()
  .min(1)
  .describe(
    "A condition on vars and choices: `cloud == aws`, `cloud != 'gcp'`, `flag`, `!flag`, joined by `&&` or `||`, grouped with ( ).",
  );

/** `gpu: true` (at least one NVIDIA GPU) or `{count, memory, name}`: checked with nvidia-smi on the target. */
export const gpuRequirementSchema = z
  .union([
    z.literal(true).describe('At least one NVIDIA GPU'),
    z
      .object({
        count: z.number().int().positive().optional().describe('How many GPUs at least (default 1).'),
        memory: sizeSchema
          .optional()
          .describe(
            'Memory of each GPU at least, e.g. 16GiB (an "80GB" H100 reports 79.6 GiB, a "24GB" A10G 22.5 GiB).',
          ),
        name: z
          .string()
          .min(1)
          .optional()
          .describe('A regular expression GPU names must match, case-insensitive, e.g. A10G|L4.'),
      })
      .strict(),
  ])
  .describe('NVIDIA GPUs the lab needs, checked with nvidia-smi on the target.');

export const requirementsSchema = z
  .union([
    z
      .array(z.string().min(1))
      .describe('Commands that must be on PATH (shorthand for {commands: [...]}); `gpu` means an NVIDIA GPU'),
    z
      .object({
        commands: z
          .array(z.string().min(1))
          .optional()
          .describe('Commands that must be on PATH (docker, kubectl …); `gpu` means an NVIDIA GPU.'),
        gpu: gpuRequirementSchema.optional(),
        os: z
          .array(z.enum(['linux', 'darwin', 'win32']))
          .optional()
          .describe('Operating systems the lab runs on.'),
        cpus: z.number().int().positive().optional().describe('Minimum number of CPU cores.'),
        memory: sizeSchema.optional().describe('Minimum total memory, e.g. 4GiB.'),
        disk: sizeSchema.optional().describe('Minimum free disk space in the work folder, e.g. 20GiB.'),
        python: z.string().optional().describe('The Python interpreter the lab uses (default python3).'),
        python_modules: z
          .array(z.string().min(1))
          .optional()
          .describe('Python modules that must import (torch, fastapi …).'),
        notes: z
          .array(z.string())
          .optional()
          .describe('What the lab needs that ailab cannot check (an AWS account, a dataset download).'),
      })
      .strict(),
  ])
  .describe('What the machine must have. Missing requirements stop a run before any step (exit 3).');

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const varSchema = z
  .union([
    scalar.describe('The default value.'),
    z
      .object({
        default: scalar.optional().describe('The value used unless --set or a --vars-file gives another.'),
        description: z.string().optional().describe('What the value is for (shown by `ailab show`).'),
        secret: z.boolean().optional().describe('Never printed: redacted from output, logs and reports.'),
        required: z.boolean().optional().describe('The run stops with a usage error when no value is given.'),
        pattern: z.string().optional().describe('A regular expression the value must match.'),
      })
      .strict(),
  ])
  .describe('A variable, used as ${{ name }} in commands (shell-quoted there) and templates.');

export const choiceSchema = z
  .object({
    prompt: z.string().describe('The question asked on a terminal.'),
    options: z
      .array(
        z.union([
          z.string(),
          z
            .object({
              value: z.string().describe('The value steps test with `when`.'),
              label: z.string().optional(),
            })
            .strict(),
        ]),
      )
      .min(2)
      .describe('The paths to choose from.'),
    default: z
      .string()
      .optional()
      .describe('Taken when not interactive and no --set is given (default: the first).'),
  })
  .strict()
  .describe("A learner's choice between the course's paths (e.g. Path A AWS, Path B GCP).");

export const fileSchema = z
  .object({
    template: z.string().min(1).describe('Path under the templates folder, e.g. week-04/app.py.'),
    to: z.string().min(1).describe('Where it is written, relative to the run work folder.'),
    mode: z
      .string()
      .regex(/^0?[0-7]{3,4}$/, 'an octal mode such as 0644 or 755')
      .optional()
      .describe('File mode, octal.'),
    render: z.boolean().optional().describe('Replace ${{ var }} in the file (default true).'),
    when: conditionSchema
      .optional()
      .describe('Write it only when this holds, e.g. device == cpu (one template per path of a choice).'),
  })
  .strict();

const checkCommonShape = {
  id: idSchema.optional().describe('Stable id in reports (default: derived from the step and position).'),
  title: z.string().optional().describe('What is being checked, as a learner reads it.'),
  points: z
    .number()
    .nonnegative()
    .optional()
    .describe('Points for self-grading (verify checks default to 1).'),
  required: z.boolean().optional().describe('The lab fails if this check fails, whatever the score.'),
  bonus: z.boolean().optional().describe('Points add to the score but not to the possible total.'),
  hint: z.string().optional().describe('Shown under the check when it fails: what to try.'),
  within: durationSchema.optional().describe('Poll until the check passes or this time has passed.'),
  interval: durationSchema.optional().describe('Time between polls with `within` (default 1s).'),
  timeout: durationSchema.optional().describe('Time allowed for one attempt (default 30s).'),
  when: conditionSchema.optional(),
  requires: z
    .array(z.string().min(1))
    .optional()
    .describe('Commands this check needs; when one is missing the check is skipped, not failed.'),
};

function buildCheckSchema() {
  const typeShape: Record<string, z.ZodType> = {};
  for (const [type, module] of Object.entries(checkModules)) {
    typeShape[type] = (module.schema as z.ZodType).optional().describe(module.summary);
  }
  return z
    .object({ ...checkCommonShape, ...typeShape })
    .strict()
    .describe(
      'A check: common fields plus exactly one check type key (command, file, port, process, http …).',
    )
    .meta({ id: 'Check' });
}

export const checkSchema = buildCheckSchema();

const stepCommonShape = {
  id: idSchema,
  title: z.string().optional().describe('What the step does, as the course says it.'),
  description: z
    .string()
    .optional()
    .describe('Longer explanation shown by `ailab show` and before a manual step.'),
  timeout: durationSchema.optional().describe('Kill the step after this long (default 10m).'),
  retries: z.number().int().min(0).max(20).optional().describe('Run again this many times if it fails.'),
  retry_delay: durationSchema.optional().describe('Wait between retries (default 2s).'),
  continue_on_error: z.boolean().optional().describe('A failure is reported but the lab goes on.'),
  env: z.record(z.string(), z.string()).optional().describe('Environment for this step only.'),
  cwd: z.string().optional().describe("Run this step in that folder; the lab's current folder is unchanged."),
  when: conditionSchema.optional(),
  confirm: z
    .union([z.boolean(), z.string()])
    .optional()
    .describe('Ask before running (a long, costly or destructive step); --yes answers yes.'),
  requires: z
    .array(z.string().min(1))
    .optional()
    .describe('Commands this step needs; when one is missing the step is skipped.'),
  expect: z.array(checkSchema).optional().describe('Checks run after the step.'),
};

export const scriptSchema = z
  .object({
    interpreter: z.string().optional().describe('Program that runs the body, e.g. python3 (default bash).'),
    body: z.string().min(1).describe('The script text.'),
    args: z.array(z.string()).optional().describe('Arguments after the script path.'),
  })
  .strict();

export const backgroundSchema = z
  .object({
    run: z.string().min(1).describe('The command that starts the service (it keeps running).'),
    ready: checkSchema.optional().describe('A check that passes once the service is ready (polled).'),
    ready_within: durationSchema.optional().describe('How long to wait for ready (default 30s).'),
    stop: z.string().optional().describe('A command that stops it (default: signal its process group).'),
  })
  .strict();

export const stepSchema = z
  .object({
    ...stepCommonShape,
    run: z.string().min(1).optional().describe('Shell commands (bash), run in the lab shell.'),
    script: scriptSchema.optional().describe('A script body written to a file and run with an interpreter.'),
    background: backgroundSchema.optional().describe('A long-running service, stopped at cleanup.'),
    manual: z.string().min(1).optional().describe('Instructions for the learner; its checks still run.'),
  })
  .strict()
  .describe('A step: exactly one of run, script, background or manual.');

export const cleanupStepSchema = z
  .object({
    id: idSchema.optional(),
    title: z.string().optional(),
    run: z.string().min(1).describe('Shell commands that undo what the lab made.'),
    timeout: durationSchema.optional().describe('Default 2m.'),
    when: conditionSchema.optional(),
  })
  .strict();

const placeholderOr = (values: string[]) =>
  z.union([z.enum(values), z.string().regex(/^\$\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}$/)]);

/** A cloud GPU host launched for the run (src/provision/for-lab.ts), terminated at its end. */
export const provisionSchema = z
  .object({
    when: z
      .string()
      .min(1)
      .optional()
      .describe('Launch only when this condition on vars and choices holds (e.g. method == ailab).'),
    cloud: placeholderOr(['aws', 'gcp']).describe(
      'aws or gcp, or a ${{ choice }} placeholder so a choice of the lab picks the cloud.',
    ),
    gpu: placeholderOr(['a10g', 'l4', 'a100', 't4'])
      .optional()
      .describe('The GPU (picks the instance type): a10g, l4, a100, t4. Default: a10g on AWS, l4 on GCP.'),
    instance_type: z
      .union([
        z.string().min(1),
        z
          .strictObject({ aws: z.string().min(1).optional(), gcp: z.string().min(1).optional() })
          .describe('One per cloud, for a cloud picked by a choice: {aws: g5.xlarge, gcp: g2-standard-8}'),
      ])
      .optional()
      .describe('An exact instance / machine type (e.g. g5.xlarge, g2-standard-8); overrides gpu.'),
    region: z
      .string()
      .min(1)
      .optional()
      .describe("The region (default: the price table's default per cloud)."),
    zone: z.string().min(1).optional().describe('The zone (GCP; default <region>-a).'),
    project: z.string().min(1).optional().describe('GCP project (default: GOOGLE_CLOUD_PROJECT / gcloud).'),
    disk_gb: z.number().int().min(10).max(2000).optional().describe('Boot disk size in GB (default 100).'),
    spot: z
      .union([z.boolean(), placeholderOr(['true', 'false'])])
      .optional()
      .describe('Use a spot / preemptible host (cheaper, may be taken away); a ${{ choice }} may pick it.'),
    max_hours: z
      .number()
      .positive()
      .max(72)
      .optional()
      .describe(
        "The dead-man's switch: the cloud ends the host after this many hours, whatever ailab does (default 4).",
      ),
    max_hourly_cost: z
      .number()
      .positive()
      .optional()
      .describe(
        'Refuse to launch when the estimated USD per hour is above this (--max-hourly-cost overrides).',
      ),
    user: z
      .string()
      .min(1)
      .optional()
      .describe("The SSH login user (default: the image's, ubuntu on AWS's Deep Learning AMI)."),
    idle_stop: z
      .union([durationSchema, z.literal('off'), z.literal(false)])
      .optional()
      .describe(
        'The idle stop, run by the host itself: it shuts down after this long with no SSH session and no GPU above 5 % (10m to 24h; default 30m; off disables).',
      ),
  })
  .strict()
  .describe(
    'Launch a cloud GPU host for `ailab run` (unless --target is given), run the lab on it over SSH and terminate it at the end.',
  );

export const labSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/)
      .describe('Lab id, e.g. week-05.'),
    week: z.number().int().min(0).max(40).optional().describe('Course week (0 for the workstation check).'),
    title: z.string().min(1).describe('Title as in the course.'),
    goal: z.string().optional().describe('The lab goal as in the course.'),
    duration: durationSchema.optional().describe('About how long the lab takes.'),
    cost: z.string().optional().describe('What it costs to run (cloud GPU hours …).'),
    requires: requirementsSchema.optional(),
    provision: provisionSchema.optional(),
    pod: z
      .strictObject({
        image: z
          .string()
          .min(1)
          .regex(/^[^\s]+$/, 'an image reference has no spaces')
          .describe('Container image, e.g. nvcr.io/nvidia/pytorch:24.05-py3 (default python:3.11-slim).'),
      })
      .optional()
      .describe(
        'The pod a k8s:// target runs this lab in (--image overrides; GPUs come from requires.gpu or --gpus).',
      ),
    vars: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), varSchema)
      .optional()
      .describe(
        'Values used as ${{ name }}: a default, or {default, description, secret, required, pattern}.',
      ),
    choices: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), choiceSchema)
      .optional()
      .describe("The course's paths to choose from (asked on a terminal; --set name=value otherwise)."),
    files: z
      .array(fileSchema)
      .optional()
      .describe('Templates rendered into the work folder before the steps.'),
    steps: z
      .array(stepSchema)
      .optional()
      .describe('Run in order, sharing shell state as a terminal does; each may have expect checks.'),
    cleanup: z
      .array(cleanupStepSchema)
      .optional()
      .describe('Always run: after success, failure, timeout or Ctrl-C.'),
    verify: z.array(checkSchema).optional().describe('Graded checks (what `ailab verify` runs).'),
    pass_threshold: z
      .number()
      .min(0)
      .max(100)
      .optional()
      .describe('Percent of points needed to pass (default 70).'),
  })
  .strict()
  .describe('An ailab lab spec.');

export type LabInput = z.input<typeof labSchema>;
export type LabDocument = z.output<typeof labSchema>;
export type CheckInput = z.output<typeof checkSchema>;
export type StepInput = z.output<typeof stepSchema>;

/** The lab JSON Schema that editors use (yaml-language-server). */
export function labJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(labSchema, {
    target: 'draft-7',
    unrepresentable: 'any',
    io: 'input',
  }) as Record<string, unknown>;
  return {
    $id: 'https://ailab.dev/schema/lab.schema.json',
    title: 'ailab lab spec',
    ...schema,
  };
}
