// A cluster on a remote host (minikube on the GPU VM): the kubernetes check reads the kubeconfig and
// its CA file through the SSH target and reaches the API server through the SSH connection (a forward),
// keeping the TLS server name of the kubeconfig's URL. A real sshd on loopback plays the host, and the
// stand-in API server (HTTPS, a throwaway CA) listens on the "host"'s loopback.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/checks/kubernetes/index.js';
import { createSshTarget, type SshTarget } from '../../src/targets/ssh.js';
import { makeCheckContext } from '../helpers/check-context.js';
import { fixtureItems, type KubeApi, makeCa, startKubeApi, writeKubeconfig } from '../helpers/kube-api.js';
import { freePort } from '../helpers/net.js';
import { makeKey, publicKey, type Sshd, startSshd } from '../helpers/sshd.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';

let sshd: Sshd;
let target: SshTarget;
let api: KubeApi;
let dir: string;

beforeAll(async () => {
  dir = makeTempDir('ailab-ssh-kube-');
  const key = makeKey(dir, 'id_test');
  sshd = await startSshd({ authorizedKeys: [publicKey(key)] });
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `${sshd.knownHostsLine()}\n`);
  target = await createSshTarget(sshd.uri(), {
    identity: key,
    knownHosts,
    env: { HOME: dir },
    configFiles: [],
  });
  const ca = makeCa(dir, 'minikube');
  api = await startKubeApi({ tls: ca, objects: fixtureItems('nodes-gpu.json', 'Node') });
});

afterAll(async () => {
  await api?.close();
  await target?.close();
  await sshd?.stop();
  removeTempDirs();
});

/** A check context on the SSH host whose lab shell exports KUBECONFIG (as a step's `export` would). */
function remoteContext(kubeconfig: string) {
  return makeCheckContext({
    target,
    workDir: dir,
    sh: (command, options) => target.exec(command, { ...options, cwd: dir, env: { KUBECONFIG: kubeconfig } }),
  });
}

describe('kubernetes check on an SSH host', () => {
  it('reads the kubeconfig and its CA file on the host, and reaches the API server through SSH', async () => {
    // minikube writes the CA as a file path; the server name (localhost) is checked against the certificate.
    const kubeconfig = writeKubeconfig(
      dir,
      { server: `https://localhost:${api.port}`, caFile: join(dir, 'minikube-ca.crt') },
      'remote',
    );
    const outcome = await check.run(
      remoteContext(kubeconfig),
      check.schema.parse({ ready_nodes: 1, gpu_allocatable: 1 }),
    );
    expect(outcome.status, outcome.message).toBe('pass');
    expect(outcome.message).toMatch(/\(via through SSH to .+\)$/);
  });

  it('a refused port on the host is a refused connection', async () => {
    const port = await freePort();
    const kubeconfig = writeKubeconfig(dir, { server: `https://127.0.0.1:${port}` }, 'refused');
    const outcome = await check.run(remoteContext(kubeconfig), check.schema.parse({ ready_nodes: 1 }));
    expect(outcome.status).toBe('fail');
    expect(outcome.message).toMatch(
      /^connection refused: no API server answers at https:\/\/127\.0\.0\.1:\d+ \(context stand-in\)/,
    );
  });

  it('no kubeconfig on the host names the host', async () => {
    const outcome = await check.run(remoteContext(join(dir, 'none')), check.schema.parse({ ready_nodes: 1 }));
    expect(outcome.message).toMatch(
      /^no kubeconfig: .*\/none does not exist on ssh:\/\/root@127\.0\.0\.1:\d+;/,
    );
  });
});
