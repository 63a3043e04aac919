#!/usr/bin/env node
// Stand-in `kubectl` and `minikube` for week 5's checks (the Kubernetes module, issue 5, is not built
// yet, and CI has no cluster). It answers from a state file ($FAKE_K8S_STATE) that the test builds
// from the real API objects in ../shared/fixtures/kubernetes, the way kubectl would print them:
//   kubectl get <type> [name] [-l k=v] [-o json|jsonpath=...] [--ignore-not-found]
//   kubectl rollout status deployment/<name>     kubectl logs -l k=v [--tail=N] [--prefix]
//   minikube status -o json                      minikube image ls
// Usage: node fake-k8s.mjs kubectl|minikube ARGS...
import { readFileSync } from 'node:fs';
import { JSONPath } from 'jsonpath-plus';

const [tool, ...args] = process.argv.slice(2);
const state = JSON.parse(readFileSync(process.env.FAKE_K8S_STATE, 'utf8'));

const TYPES = {
  node: 'nodes',
  nodes: 'nodes',
  no: 'nodes',
  pod: 'pods',
  pods: 'pods',
  po: 'pods',
  deployment: 'deployments',
  deployments: 'deployments',
  deploy: 'deployments',
  service: 'services',
  services: 'services',
  svc: 'services',
};
const GROUP = { deployments: 'deployments.apps', services: 'services', pods: 'pods', nodes: 'nodes' };

function fail(message, code = 1) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** Flags and positional arguments, kubectl style (`-o json`, `-ojson`, `--output=json`, `-l a=b`). */
function parseArgs(list) {
  const flags = {};
  const positional = [];
  for (let i = 0; i < list.length; i++) {
    const arg = list[i];
    const long = /^--([\w-]+)(?:=(.*))?$/.exec(arg);
    if (long) {
      const [, name, value] = long;
      if (value !== undefined) flags[name] = value;
      else if (['ignore-not-found', 'prefix'].includes(name)) flags[name] = 'true';
      else flags[name] = list[++i];
      continue;
    }
    const short = /^-([olA])(.*)$/.exec(arg);
    if (short) {
      const name = { o: 'output', l: 'selector', A: 'all-namespaces' }[short[1]];
      flags[name] = short[2] !== '' ? short[2] : name === 'all-namespaces' ? 'true' : list[++i];
      continue;
    }
    positional.push(arg);
  }
  return { flags, positional };
}

function matchesSelector(object, selector) {
  if (!selector) return true;
  const labels = object.metadata?.labels ?? {};
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=');
    return labels[key] === value;
  });
}

/** kubectl's jsonpath template: text outside {…} as is, each {.path} evaluated, several values space-joined. */
function renderJsonPath(template, object) {
  return template.replace(/\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}/g, (_whole, expression) => {
    if (expression.startsWith('"') && expression.endsWith('"')) return JSON.parse(expression);
    const values = JSONPath({ path: `$${expression}`, json: object, wrap: true });
    return values.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(' ');
  });
}

function print(object, output) {
  if (!output || output === 'wide') {
    const items = object.items ?? [object];
    for (const item of items) process.stdout.write(`${item.metadata?.name}\n`);
  } else if (output === 'json') process.stdout.write(`${JSON.stringify(object, null, 4)}\n`);
  else if (output === 'name')
    for (const item of object.items ?? [object])
      process.stdout.write(`${(item.kind ?? '').toLowerCase()}/${item.metadata.name}\n`);
  else if (output.startsWith('jsonpath=')) process.stdout.write(renderJsonPath(output.slice(9), object));
  else fail(`fake kubectl: output ${output} is not supported`, 2);
}

function get({ flags, positional }) {
  const type = TYPES[positional[0]];
  if (!type) fail(`error: the server doesn't have a resource type "${positional[0]}"`);
  const name = positional[1];
  if (name) {
    const object = state[type]?.[name] ?? (state[type]?.items ?? []).find((i) => i.metadata.name === name);
    if (!object) {
      if (flags['ignore-not-found']) return;
      fail(`Error from server (NotFound): ${GROUP[type]} "${name}" not found`);
    }
    return print(object, flags.output);
  }
  const all = state[type]?.items ?? Object.values(state[type] ?? {});
  const list = {
    apiVersion: 'v1',
    kind: 'List',
    metadata: { resourceVersion: '' },
    items: all.filter((item) => matchesSelector(item, flags.selector)),
  };
  if (list.items.length === 0 && (!flags.output || flags.output === 'wide')) {
    process.stderr.write('No resources found in default namespace.\n');
    return;
  }
  print(list, flags.output);
}

function rolloutStatus({ positional }) {
  const [kind, name] = (positional[1] ?? '').split('/');
  const deployment = state.deployments?.[name];
  if (TYPES[kind] !== 'deployments' || !deployment)
    fail(`Error from server (NotFound): deployments.apps "${name}" not found`);
  const want = deployment.spec?.replicas ?? 1;
  const ready = deployment.status?.readyReplicas ?? 0;
  const updated = deployment.status?.updatedReplicas ?? 0;
  if (ready >= want && updated >= want) {
    process.stdout.write(`deployment "${name}" successfully rolled out\n`);
    return;
  }
  // The real command waits until --timeout; the stand-in answers at once with what it would wait on.
  process.stdout.write(
    `Waiting for deployment "${name}" rollout to finish: ${ready} of ${want} updated replicas are available...\n`,
  );
  fail('error: timed out waiting for the condition');
}

function logs({ flags }) {
  const pods = (state.pods?.items ?? []).filter((pod) => matchesSelector(pod, flags.selector));
  if (pods.length === 0) fail('No resources found in default namespace.');
  // logs_file: a live log (the test's uvicorn), read at each call; logs: a fixed text.
  const text = state.logs_file ? readFileSync(state.logs_file, 'utf8') : (state.logs ?? '');
  const lines = text.replace(/\n$/, '').split('\n');
  const tail = flags.tail ? lines.slice(-Number(flags.tail)) : lines;
  const pod = pods[0];
  const container = pod.spec?.containers?.[0]?.name ?? 'main';
  const prefix = flags.prefix ? `[pod/${pod.metadata.name}/${container}] ` : '';
  process.stdout.write(tail.map((line) => `${prefix}${line}\n`).join(''));
}

if (tool === 'kubectl') {
  const parsed = parseArgs(args);
  const [verb, sub] = parsed.positional;
  parsed.positional.shift();
  if (verb === 'get') get(parsed);
  else if (verb === 'rollout' && sub === 'status') rolloutStatus(parsed);
  else if (verb === 'logs') logs(parsed);
  else fail(`fake kubectl: ${args.join(' ')} is not supported`, 2);
} else if (tool === 'minikube') {
  const minikube = state.minikube ?? {};
  if (args[0] === 'status') {
    process.stdout.write(`${JSON.stringify(minikube.status)}\n`);
    // minikube status exits non-zero when a component is not running (7: host stopped).
    if (minikube.status?.Host !== 'Running') process.exit(7);
  } else if (args[0] === 'image' && args[1] === 'ls') {
    process.stdout.write((minikube.images ?? []).map((i) => `${i}\n`).join(''));
  } else fail(`fake minikube: ${args.join(' ')} is not supported`, 2);
} else fail('usage: fake-k8s.mjs kubectl|minikube ARGS...', 2);
