// A lab as readable steps: `ailab show`, and `ailab run --dry-run` (with values filled in).
import { interpolate } from '../spec/interpolate.js';
import type { Check, Lab } from '../spec/types.js';
import { formatDuration } from '../util/duration.js';
import { formatSize } from '../util/size.js';
import { type Paint, plainPaint } from './paint.js';

function indent(text: string, prefix: string): string[] {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => `${prefix}${line}`);
}

function describeCheck(check: Check): string {
  const opts = Object.entries(check.options)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ');
  const extras = [
    check.points ? `${check.points} pt` : '',
    check.withinMs ? `within ${formatDuration(check.withinMs)}` : '',
    check.required ? 'required' : '',
    check.bonus ? 'bonus' : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${check.title}${extras ? ` (${extras})` : ''}\n${check.type}: { ${opts} }`;
}

export function renderPlan(
  lab: Lab,
  options: { values?: Record<string, string>; secrets?: string[]; paint?: Paint } = {},
): string {
  const paint = options.paint ?? plainPaint;
  const fill = (text: string, mode: 'shell' | 'raw') => {
    if (!options.values) return text;
    let out = interpolate(text, options.values, mode);
    for (const secret of options.secrets ?? []) out = out.split(secret).join('***');
    return out;
  };
  const out: string[] = [paint.bold(`${lab.id} — ${lab.title}`)];
  if (lab.goal) out.push(`Goal: ${lab.goal}`);
  const facts = [
    lab.durationMs ? `about ${formatDuration(lab.durationMs)}` : '',
    lab.cost ? `cost: ${lab.cost}` : '',
  ].filter(Boolean);
  if (facts.length) out.push(facts.join(' · '));
  const req = lab.requires;
  const needs = [
    ...req.commands,
    // `requires.gpu` (nvidia-smi on the target): `gpu`, `gpu x2 /A10G|L4/ >= 16 GiB`.
    req.gpu
      ? `gpu${req.gpu.count > 1 ? ` x${req.gpu.count}` : ''}${req.gpu.name ? ` /${req.gpu.name}/` : ''}${req.gpu.memoryBytes ? ` >= ${formatSize(req.gpu.memoryBytes)}` : ''}`
      : '',
    ...req.pythonModules.map((m) => `python module ${m}`),
    req.os.length ? `os ${req.os.join('/')}` : '',
    req.cpus ? `${req.cpus} cpus` : '',
    req.memoryBytes ? `${formatSize(req.memoryBytes)} memory` : '',
    req.diskBytes ? `${formatSize(req.diskBytes)} free disk` : '',
    ...req.notes.map((note) => fill(note, 'raw')),
  ].filter(Boolean);
  if (needs.length) out.push(`Requires: ${needs.join(', ')}`);
  const vars = Object.values(lab.vars);
  if (vars.length) {
    out.push('', paint.bold('Vars'));
    for (const v of vars) {
      const value = options.values?.[v.name] ?? v.default;
      const shown = v.secret ? '***' : value === undefined ? '(no default)' : value;
      out.push(`  ${v.name} = ${shown}${v.description ? paint.dim(`  — ${v.description}`) : ''}`);
    }
  }
  for (const c of Object.values(lab.choices)) {
    out.push('', paint.bold(`Choice: ${c.prompt}`));
    const chosen = options.values?.[c.name] ?? c.default;
    for (const o of c.options)
      out.push(`  ${o.value === chosen ? '●' : '○'} ${o.value}${o.label !== o.value ? ` — ${o.label}` : ''}`);
  }
  if (lab.files.length) {
    out.push('', paint.bold('Files'));
    for (const f of lab.files) out.push(`  ${f.to}  ${paint.dim(`from templates/${f.template}`)}`);
  }
  out.push('', paint.bold('Steps'));
  lab.steps.forEach((step, i) => {
    const marks = [
      step.when ? `when ${step.when}` : '',
      step.confirm ? 'asks first' : '',
      step.timeoutMs !== 600_000 ? `timeout ${formatDuration(step.timeoutMs)}` : '',
      step.retries ? `retries ${step.retries}` : '',
      step.continueOnError ? 'may fail' : '',
    ]
      .filter(Boolean)
      .join(', ');
    out.push(`${i + 1}. ${step.title}${marks ? paint.dim(` (${marks})`) : ''}`);
    if (step.description) out.push(...indent(step.description, '   '));
    if (step.run) out.push(...indent(fill(step.run, 'shell'), '   $ '));
    if (step.script)
      out.push(`   ${step.script.interpreter} script:`, ...indent(fill(step.script.body, 'raw'), '   │ '));
    if (step.background) out.push(...indent(fill(step.background.run, 'shell'), '   $ (in the background) '));
    if (step.manual) out.push(...indent(fill(step.manual, 'raw'), '   ✋ '));
    for (const check of [...(step.background?.ready ? [step.background.ready] : []), ...step.expect]) {
      out.push(
        ...indent(fill(describeCheck(check), 'raw'), '   ✓ ').map((l, j) =>
          j === 0 ? l : paint.dim(l.replace('   ✓ ', '     ')),
        ),
      );
    }
  });
  if (lab.verify.length) {
    out.push('', paint.bold('Verify (graded)'));
    for (const check of lab.verify) {
      out.push(
        ...indent(fill(describeCheck(check), 'raw'), '  ✓ ').map((l, j) =>
          j === 0 ? l : paint.dim(l.replace('  ✓ ', '    ')),
        ),
      );
    }
  }
  if (lab.cleanup.length) {
    out.push('', paint.bold('Cleanup (always runs)'));
    for (const c of lab.cleanup) out.push(...indent(fill(c.run, 'shell'), '  $ '));
  }
  return `${out.join('\n')}\n`;
}
