// Every file a course lab ships, and every command it runs, is checked with a real parser:
// templates rendered with the lab's default values, step commands with bash -n, Python script
// bodies with Python's compiler. A template that no lab uses is an error too.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpolate, quoteModeFor } from '../../src/spec/interpolate.js';
import { loadLab } from '../../src/spec/load.js';
import { listLabFiles } from '../../src/spec/locate.js';
import type { Lab } from '../../src/spec/types.js';
import { checkBash, checkPython, validateFile } from '../helpers/validate-template.js';

const root = join(import.meta.dirname, '..', '..');
const labFiles = listLabFiles(join(root, 'labs'));
const labs: Lab[] = await Promise.all(labFiles.map((file) => loadLab(file)));

function defaults(lab: Lab): Record<string, string> {
  const values: Record<string, string> = { workdir: '/tmp/ailab-work', lab: lab.id, run_id: 'test-run' };
  for (const v of Object.values(lab.vars)) values[v.name] = v.default ?? 'value';
  for (const c of Object.values(lab.choices)) values[c.name] = c.default;
  return values;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

describe.each(labs.map((lab) => [lab.id, lab] as const))('%s', (_id, lab) => {
  const values = defaults(lab);

  it.each(lab.files.map((f) => [f.to, f] as const))('template → %s is valid', async (_to, file) => {
    const text = readFileSync(join(lab.templatesDir, file.template), 'utf8');
    const rendered = file.render ? interpolate(text, values, 'raw') : text;
    expect(await validateFile(file.to, rendered)).toEqual([]);
  });

  it('every step, background and cleanup command passes bash -n', () => {
    const commands = [
      ...lab.steps.flatMap((s) => [s.run, s.background?.run, s.background?.stop]),
      ...lab.cleanup.map((c) => c.run),
    ].filter((c): c is string => Boolean(c));
    for (const command of commands)
      expect(checkBash(interpolate(command, values, 'shell')), command).toEqual([]);
  });

  it('every script body compiles with its interpreter', () => {
    for (const step of lab.steps.filter((s) => s.script)) {
      const { interpreter, body } = step.script!;
      const mode = quoteModeFor(interpreter);
      const source = interpolate(body, values, mode);
      const problems = mode === 'python' ? checkPython(source, `${lab.id}:${step.id}`) : checkBash(source);
      expect(problems, `${lab.id} step ${step.id}`).toEqual([]);
    }
  });
});

it('every file under templates/ is used by a lab', () => {
  const used = new Set(labs.flatMap((lab) => lab.files.map((f) => join(lab.templatesDir, f.template))));
  const unused = walk(join(root, 'templates')).filter((path) => !used.has(path));
  expect(unused.map((p) => relative(root, p))).toEqual([]);
});

describe('the validators catch real mistakes', () => {
  it('rejects broken files of each kind', async () => {
    expect(await validateFile('app.py', 'def f(:\n  pass\n')).not.toEqual([]);
    expect(await validateFile('run.sh', 'if true; then echo\n')).not.toEqual([]);
    expect(await validateFile('Dockerfile', 'FROM python:3.11\nRUNN pip install x\n')).not.toEqual([]);
    expect(await validateFile('data.json', '{"a": 1,}')).not.toEqual([]);
    expect(await validateFile('pyproject.toml', '[tool\nname = 1')).not.toEqual([]);
    const badDeployment = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: api}',
      'spec:',
      '  selector: {matchLabels: {app: api}}',
      '  template:',
      '    metadata: {labels: {app: api}}',
      '    spec: {containers: [{name: api, image: api:1, ports: [{containerPort: "8000"}]}]}',
    ].join('\n');
    expect(await validateFile('deployment.yaml', badDeployment)).not.toEqual([]);
    expect(await validateFile('deployment.yaml', badDeployment.replace('"8000"', '8000'))).toEqual([]);
    const workflow =
      'on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n';
    expect(await validateFile('.github/workflows/ci.yml', workflow)).toEqual([]);
    expect(await validateFile('.github/workflows/ci.yml', workflow.replace('steps', 'stepz'))).not.toEqual(
      [],
    );
  });
});
