#!/usr/bin/env node
// Stand-in `kubectl` and `minikube` for the checks of week 5 that stay commands (the cluster's state is
// graded by `kubernetes` checks, which read the API server themselves). CI has no cluster:
//   kubectl rollout status deployment/<name> [--timeout=...]
//     reads the Deployment from the API server of $KUBECONFIG's current context (the test's stand-in
//     API server, test/helpers/kube-api.ts, serving the real objects of ../shared/fixtures/kubernetes)
//     and judges it as kubectl does (kubectl's rollout_status.go, DeploymentStatusViewer); where kubectl
//     would watch until --timeout, the stand-in answers at once with what it would wait on;
//   minikube status -o json          minikube image ls
//     answer from $FAKE_MINIKUBE_STATE ({status, images}).
// Each call is appended to $FAKE_K8S_CALLS (a line per call) when it is set.
// Usage: node fake-k8s.mjs kubectl|minikube ARGS...
import { appendFileSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';

const [tool, ...args] = process.argv.slice(2);
if (process.env.FAKE_K8S_CALLS) appendFileSync(process.env.FAKE_K8S_CALLS, `${[tool, ...args].join(' ')}\n`);

function fail(message, code = 1) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** The server and namespace of the current context of the (first) kubeconfig in $KUBECONFIG. */
function currentCluster() {
  const path = (process.env.KUBECONFIG ?? '').split(':')[0];
  if (!path) fail('fake kubectl: KUBECONFIG is not set', 2);
  const config = parse(readFileSync(path, 'utf8'));
  const context = config.contexts.find((c) => c.name === config['current-context'])?.context;
  const cluster = config.clusters.find((c) => c.name === context?.cluster)?.cluster;
  if (!cluster) fail(`error: context "${config['current-context']}" does not exist`);
  return { server: cluster.server, namespace: context.namespace ?? 'default' };
}

async function rolloutStatus(target) {
  const [kind, name] = (target ?? '').split('/');
  if (!['deployment', 'deployments', 'deploy'].includes(kind))
    fail(`fake kubectl: rollout status ${target} is not supported`, 2);
  const { server, namespace } = currentCluster();
  const response = await fetch(`${server}/apis/apps/v1/namespaces/${namespace}/deployments/${name}`).catch(
    () => fail(`The connection to the server ${server.replace(/^\w+:\/\//, '')} was refused`),
  );
  if (response.status === 404) fail(`Error from server (NotFound): deployments.apps "${name}" not found`);
  const d = await response.json();
  const status = d.status ?? {};
  const [updated, replicas, available] = [
    status.updatedReplicas ?? 0,
    status.replicas ?? 0,
    status.availableReplicas ?? 0,
  ];
  let waiting = 'Waiting for deployment spec update to be observed...';
  if ((d.metadata?.generation ?? 0) <= (status.observedGeneration ?? 0)) {
    const progressing = (status.conditions ?? []).find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded')
      fail(`error: deployment "${name}" exceeded its progress deadline`);
    const want = d.spec?.replicas;
    if (want !== undefined && updated < want)
      waiting = `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...`;
    else if (replicas > updated)
      waiting = `Waiting for deployment "${name}" rollout to finish: ${replicas - updated} old replicas are pending termination...`;
    else if (available < updated)
      waiting = `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`;
    else {
      process.stdout.write(`deployment "${name}" successfully rolled out\n`);
      return;
    }
  }
  process.stdout.write(`${waiting}\n`);
  fail('error: timed out waiting for the condition');
}

if (tool === 'kubectl') {
  const positional = args.filter((a) => !a.startsWith('-'));
  if (positional[0] === 'rollout' && positional[1] === 'status') await rolloutStatus(positional[2]);
  else fail(`fake kubectl: ${args.join(' ')} is not supported`, 2);
} else if (tool === 'minikube') {
  const minikube = JSON.parse(readFileSync(process.env.FAKE_MINIKUBE_STATE, 'utf8'));
  if (args[0] === 'status') {
    process.stdout.write(`${JSON.stringify(minikube.status)}\n`);
    // minikube status exits non-zero when a component is not running (7: host stopped).
    if (minikube.status?.Host !== 'Running') process.exit(7);
  } else if (args[0] === 'image' && args[1] === 'ls') {
    process.stdout.write((minikube.images ?? []).map((i) => `${i}\n`).join(''));
  } else fail(`fake minikube: ${args.join(' ')} is not supported`, 2);
} else fail('usage: fake-k8s.mjs kubectl|minikube ARGS...', 2);
