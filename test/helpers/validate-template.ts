// Validators for the files labs ship and the commands they run: each returns the problems found
// (empty when valid). Real parsers only: Python's own compiler, bash -n, the Kubernetes OpenAPI
// schemas (kubernetes-models), GitHub's workflow parser, a Dockerfile parser, YAML/JSON/TOML parsers.
import { execFileSync } from 'node:child_process';
import { basename } from 'node:path';
import { parseAllDocuments } from 'yaml';

const PYTHON = '/usr/bin/python3';
const DOCKERFILE_INSTRUCTIONS = new Set([
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'MAINTAINER',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
]);

function run(command: string, args: string[], input: string): string[] {
  try {
    execFileSync(command, args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
    return [];
  } catch (error) {
    const err = error as { stderr?: Buffer; message: string };
    return [(err.stderr?.toString() || err.message).trim()];
  }
}

export function checkPython(source: string, name: string): string[] {
  return run(PYTHON, ['-c', 'import sys; compile(sys.stdin.read(), sys.argv[1], "exec")', name], source);
}

export function checkBash(source: string): string[] {
  return run('bash', ['-n'], source);
}

export function checkJavaScript(source: string, name: string): string[] {
  return run(process.execPath, ['--check', '--input-type=module', '-'], source).map((p) => `${name}: ${p}`);
}

export function checkDockerfile(source: string): string[] {
  // dockerfile-ast is CommonJS; load it lazily so tests that do not need it stay light.
  const { DockerfileParser } = require('dockerfile-ast') as typeof import('dockerfile-ast');
  const instructions = DockerfileParser.parse(source).getInstructions();
  const problems: string[] = [];
  if (instructions.length === 0) problems.push('no instructions');
  const first = instructions.find((i) => i.getKeyword() !== 'ARG');
  if (first && first.getKeyword() !== 'FROM')
    problems.push(`the first instruction is ${first.getKeyword()}, not FROM`);
  for (const i of instructions) {
    if (!DOCKERFILE_INSTRUCTIONS.has(i.getKeyword())) {
      problems.push(`line ${i.getRange().start.line + 1}: unknown instruction ${i.getKeyword()}`);
    }
  }
  return problems;
}

async function checkKubernetes(doc: Record<string, unknown>): Promise<string[]> {
  const apiVersion = String(doc.apiVersion);
  const kind = String(doc.kind);
  const modulePath = `kubernetes-models/${apiVersion}/${kind}`;
  let Model: new (data: unknown) => { validate(): void };
  try {
    Model = (await import(modulePath))[kind];
  } catch {
    // Custom resources (ServiceMonitor …) have no model here: the YAML parse is what can be checked.
    return [];
  }
  try {
    new Model(doc).validate();
    return [];
  } catch (error) {
    return [`${kind} ${(doc.metadata as { name?: string })?.name ?? ''}: ${(error as Error).message}`];
  }
}

async function checkWorkflow(source: string, name: string): Promise<string[]> {
  const { NoOperationTraceWriter, parseWorkflow } = await import('@actions/workflow-parser');
  const result = parseWorkflow({ name, content: source }, new NoOperationTraceWriter());
  return result.context.errors.getErrors().map((e) => e.message);
}

export async function checkYaml(source: string, name: string, isWorkflow: boolean): Promise<string[]> {
  const docs = parseAllDocuments(source);
  const problems: string[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    problems.push(...doc.errors.map((e) => e.message));
    const value = doc.toJS() as Record<string, unknown> | null;
    if (value && typeof value === 'object' && 'apiVersion' in value && 'kind' in value) {
      problems.push(...(await checkKubernetes(value)));
    }
  }
  if (isWorkflow) problems.push(...(await checkWorkflow(source, name)));
  return problems;
}

/** Problems in one file, chosen by its name (the name it has once written into the work folder). */
export async function validateFile(name: string, source: string): Promise<string[]> {
  const base = basename(name);
  if (/^Dockerfile/.test(base) || base.endsWith('.dockerfile')) return checkDockerfile(source);
  if (base.endsWith('.py')) return checkPython(source, name);
  if (/\.(sh|bash)$/.test(base)) return checkBash(source);
  if (/\.(mjs|js)$/.test(base)) return checkJavaScript(source, name);
  if (/\.ya?ml$/.test(base)) return checkYaml(source, name, /\.github\/workflows\//.test(name));
  if (base.endsWith('.json')) {
    try {
      JSON.parse(source);
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  }
  if (base.endsWith('.pbtxt')) {
    // Triton's model configuration (the only protobuf text the labs ship).
    const { parseModelConfig } = await import('./triton-pbtxt.js');
    try {
      parseModelConfig(source);
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  }
  if (base.endsWith('.toml')) {
    const { parse } = await import('smol-toml');
    try {
      parse(source);
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  }
  return [];
}
