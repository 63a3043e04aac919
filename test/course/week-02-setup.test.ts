// Week 2 (Set Up Ubuntu for AI Development), the steps a Debian CI machine can run without changing
// its system, run for real through the `ailab` CLI in a throwaway HOME: check-os, git + SSH key,
// the venv alternative (Debian's /usr/bin/python3 with --system-site-packages), the PyTorch check on the
// CPU path, the project template and the manual tmux step. CI runs as root without sudo: a
// pass-through `sudo` satisfies the lab's requirement; no step that uses sudo is selected.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../helpers/processes.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import {
  DEBIAN_PYTHON,
  ensureBundle,
  type LabRun,
  problems,
  runLabCli,
  step,
  stepCheck,
  verifyCheck,
  writeStub,
} from './fixtures-w01-05/ailab-cli.js';

const STEPS = ['check-os', 'git-ssh', 'venv', 'verify-torch', 'project-template', 'tmux'];

describe('week-02 on Debian, in a throwaway HOME', () => {
  let run: LabRun;
  let home: string;

  beforeAll(async () => {
    ensureBundle();
    home = makeTempDir('ailab-w02-home-');
    const bin = makeTempDir('ailab-w02-bin-');
    writeStub(bin, 'sudo', '#!/bin/sh\n# Stand-in: CI runs as root without sudo.\nexec "$@"\n');
    run = await runLabCli('week-02', {
      sets: {
        env: 'venv',
        python: DEBIAN_PYTHON,
        system_site_packages: 'true',
        git_name: 'Ada Lovelace',
        git_email: 'ada@example.org',
      },
      only: STEPS,
      env: { HOME: home, PATH: `${bin}:${process.env.PATH}` },
    });
  }, 60_000);

  afterAll(removeTempDirs);

  it('runs the selected steps; the Ubuntu check fails on Debian as a warning only', () => {
    for (const id of STEPS.slice(1))
      expect(step(run.result, id).status, `${id}\n${problems(run.result)}`).toBe('pass');
    const os = step(run.result, 'check-os');
    expect(os.status).toBe('fail');
    expect(stepCheck(run.result, 'check-os', 'Ubuntu 22.04 (Jammy)').status).toBe('fail');
    expect(os.outputTail).toMatch(/No NVIDIA GPU detected/);
    // continue_on_error: the lab went on after it.
    expect(run.result.message).not.toMatch(/^step "check-os" failed/);
  });

  it('set the git identity from the vars and made an ED25519 key without prompting', () => {
    const gitconfig = readFileSync(join(home, '.gitconfig'), 'utf8');
    expect(gitconfig).toContain('name = Ada Lovelace');
    expect(gitconfig).toContain('email = ada@example.org');
    expect(statSync(join(home, '.ssh', 'id_ed25519')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(home, '.ssh', 'id_ed25519.pub'), 'utf8')).toMatch(
      /^ssh-ed25519 \S+ ada@example\.org$/m,
    );
    for (const title of [
      'git knows your name',
      'The public key is an ED25519 key',
      'The SSH agent holds the key',
    ])
      expect(stepCheck(run.result, 'git-ssh', title).status, title).toBe('pass');
  });

  it('stopped the SSH agent at cleanup', () => {
    expect(run.result.cleanup).toEqual([expect.objectContaining({ id: 'stop-ssh-agent', status: 'pass' })]);
    const pid = Number(/Agent pid (\d+)/.exec(step(run.result, 'git-ssh').outputTail ?? '')?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(false);
  });

  it('ran PyTorch from the venv on the CPU path', () => {
    const out = readFileSync(join(run.result.workDir!, 'verify_torch.out'), 'utf8');
    expect(out).toMatch(/^CUDA available: False$/m);
    expect(out).toMatch(/^Torch version: 1\.13/m);
    expect(stepCheck(run.result, 'verify-torch', /CPU path/).status).toBe('pass');
    expect(stepCheck(run.result, 'verify-torch', /CUDA available: True/).status).toBe('skip');
    expect(verifyCheck(run.result, 'torch').status).toBe('pass');
  });

  it('wrote requirements.txt one package per line (the course echo wrote literal \\n)', () => {
    expect(readFileSync(join(home, 'projects', 'ai-starter', 'requirements.txt'), 'utf8')).toBe(
      'numpy\npandas\nscikit-learn\ntorch\ntorchvision\n',
    );
    expect(verifyCheck(run.result, 'project').status).toBe('pass');
  });

  it('ran the manual tmux step non-interactively: its check ran', () => {
    expect(stepCheck(run.result, 'tmux', 'tmux is installed').status).toBe('pass');
  });

  it('grades what CI could do, and fails what it could not (Ubuntu, apt, Docker)', () => {
    for (const id of ['git-name', 'git-email', 'ssh-key', 'python-env', 'torch', 'project'])
      expect(verifyCheck(run.result, id).status, id).toBe('pass');
    for (const id of ['ubuntu', 'hello-world']) expect(verifyCheck(run.result, id).status, id).toBe('fail');
    for (const id of [
      'torch-gpu-conda',
      'torch-gpu-venv',
      'matmul-conda',
      'matmul-venv',
      'nvidia-smi',
      'gpu-docker',
    ])
      expect(verifyCheck(run.result, id).status, id).toBe('skip');
  });

  it("grades the course's placeholder identity as not set", async () => {
    const placeholderHome = makeTempDir('ailab-w02-placeholder-');
    const bin = makeTempDir('ailab-w02-bin2-');
    writeStub(bin, 'sudo', '#!/bin/sh\nexec "$@"\n');
    const other = await runLabCli('week-02', {
      sets: { env: 'venv', python: DEBIAN_PYTHON },
      only: ['git-ssh'],
      env: { HOME: placeholderHome, PATH: `${bin}:${process.env.PATH}` },
    });
    expect(step(other.result, 'git-ssh').status).toBe('pass');
    expect(readFileSync(join(placeholderHome, '.gitconfig'), 'utf8')).toContain('name = Your Name');
    expect(verifyCheck(other.result, 'git-name').status).toBe('fail');
    expect(verifyCheck(other.result, 'git-email').status).toBe('fail');
    expect(verifyCheck(other.result, 'git-email').hint).toBe(
      'git config --global user.email you@your-domain',
    );
  });
});
