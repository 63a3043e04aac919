import { describe, expect, it } from 'vitest';
import { parseInventory } from './inventory.js';

describe('--hosts inventories', () => {
  it('reads YAML hosts with names, identities (relative to the file) and labels', async () => {
    const hosts = await parseInventory(
      [
        'identity: keys/course.pem',
        'hosts:',
        '  - { name: alice, target: ssh://ubuntu@10.0.0.5, labels: { section: A, seat: 3 } }',
        '  - { name: bob, target: "ubuntu@10.0.0.6:2222", identity: /keys/bob.pem }',
        '  - { target: gpu-box }',
      ].join('\n'),
      '/class/hosts.yaml',
    );
    expect(hosts).toEqual([
      {
        name: 'alice',
        target: 'ssh://ubuntu@10.0.0.5',
        identity: '/class/keys/course.pem',
        labels: { section: 'A', seat: '3' },
      },
      { name: 'bob', target: 'ssh://ubuntu@10.0.0.6:2222', identity: '/keys/bob.pem', labels: {} },
      { name: 'gpu-box', target: 'ssh://gpu-box', identity: '/class/keys/course.pem', labels: {} },
    ]);
  });

  it('reads a list of hosts at the top level', async () => {
    const hosts = await parseInventory('- target: a@h1\n- target: b@h2\n', 'h.yaml');
    expect(hosts.map((h) => h.target)).toEqual(['ssh://a@h1', 'ssh://b@h2']);
  });

  it('reads user@host[:port] lines, with comments', async () => {
    const hosts = await parseInventory(
      '# class A\nubuntu@10.0.0.5\n\nubuntu@10.0.0.6:2222  # late\n',
      'hosts.txt',
    );
    expect(hosts).toEqual([
      { name: 'ubuntu@10.0.0.5', target: 'ssh://ubuntu@10.0.0.5', labels: {} },
      { name: 'ubuntu@10.0.0.6:2222', target: 'ssh://ubuntu@10.0.0.6:2222', labels: {} },
    ]);
  });

  it('says what is wrong, with the line or the field', async () => {
    await expect(parseInventory('ok@h1\nnot a host\n', 'hosts.txt')).rejects.toThrow(
      'hosts.txt:2: "not a host" is not user@host[:port]',
    );
    await expect(parseInventory('hosts:\n  - { name: a }\n', 'c.yaml')).rejects.toThrow(
      /c\.yaml:2:5: hosts\.0\.target/,
    );
    await expect(parseInventory('- target: a@h\n- target: a@h\n', 'c.yaml')).rejects.toThrow(/appears twice/);
    await expect(parseInventory('# nobody\n', 'c.txt')).rejects.toThrow(/names no hosts/);
  });

  it('reads the pod of a k8s:// host: image, GPUs, node selector and tolerations', async () => {
    const hosts = await parseInventory(
      [
        'hosts:',
        '  - name: l4-pool',
        '    target: k8s://gpu-ci/labs',
        '    pod:',
        '      image: nvcr.io/nvidia/pytorch:24.05-py3',
        '      gpus: 1',
        '      node_selector: { cloud.google.com/gke-accelerator: nvidia-l4 }',
        '      tolerations: [nvidia.com/gpu:NoSchedule]',
        '  - { name: cpu, target: k8s://-/labs }',
      ].join('\n'),
      'pods.yaml',
    );
    expect(hosts[0]).toEqual({
      name: 'l4-pool',
      target: 'k8s://gpu-ci/labs',
      identity: undefined,
      labels: {},
      pod: {
        image: 'nvcr.io/nvidia/pytorch:24.05-py3',
        gpus: 1,
        nodeSelector: ['cloud.google.com/gke-accelerator=nvidia-l4'],
        tolerations: ['nvidia.com/gpu:NoSchedule'],
      },
    });
    expect(hosts[1].pod).toBeUndefined();
    await expect(
      parseInventory('- { target: k8s://-/labs, pod: { tolerations: ["a:Sometimes"] } }\n', 'p.yaml'),
    ).rejects.toThrow(/p\.yaml:1:48: 0\.pod\.tolerations\.0: a toleration is key/);
    await expect(parseInventory('- { target: k8s://-/labs, pod: { imgae: x } }\n', 'p.yaml')).rejects.toThrow(
      /p\.yaml:1:\d+: 0\.pod: .*imgae/,
    );
  });
});
