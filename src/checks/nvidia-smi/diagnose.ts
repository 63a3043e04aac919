// nvidia-smi's failures, each mapped to a plain explanation and what to do (facts: the reference's
// "Failure messages and exit codes" table). A diagnosis is about the machine, not about ailab.

export type DiagnosisCode =
  | 'not-installed'
  | 'driver-not-loaded'
  | 'version-mismatch'
  | 'no-devices'
  | 'gpu-lost'
  | 'no-permission'
  | 'library-missing';

export interface Diagnosis {
  code: DiagnosisCode;
  /** One line that leads with the reason. */
  summary: string;
  /** Why this happens, in plain words. */
  explanation: string;
  /** What to do about it. */
  fix: string;
  /** The first line nvidia-smi (or the shell) printed. */
  output: string;
  exitCode: number | null;
}

interface Rule {
  code: DiagnosisCode;
  match: (text: string, exitCode: number | null) => boolean;
  summary: string;
  explanation: string;
  fix: string;
}

const RULES: Rule[] = [
  {
    code: 'driver-not-loaded',
    match: (t) => /couldn't communicate with the NVIDIA driver/i.test(t),
    summary: 'the NVIDIA driver is not loaded (nvidia-smi cannot talk to it)',
    explanation:
      'nvidia-smi is installed but the kernel module is not running: the driver was not built for this kernel (a DKMS failure after a kernel update), Secure Boot refused the module, or the machine has no NVIDIA GPU.',
    fix: 'Look at `lsmod | grep nvidia` and `sudo dmesg | grep -i nvidia`; reinstall the driver for the running kernel (or sign it / turn off Secure Boot) and reboot. On a cloud VM, check that the instance type has a GPU.',
  },
  {
    code: 'version-mismatch',
    match: (t) => /Driver\/library version mismatch/i.test(t),
    summary:
      'the NVIDIA driver was updated but the old one is still loaded (driver/library version mismatch)',
    explanation:
      'The driver packages were upgraded (often by unattended upgrades) while the previous kernel module kept running, so the new library and the loaded module disagree.',
    fix: 'Reboot the machine (`sudo reboot`). Without a reboot, stop everything using the GPU and reload the modules (`sudo rmmod nvidia_uvm nvidia_drm nvidia_modeset nvidia && sudo modprobe nvidia`).',
  },
  {
    code: 'no-devices',
    match: (t) => /No devices were found/i.test(t),
    summary: 'no NVIDIA GPU is visible (the driver is loaded but finds no device)',
    explanation:
      'The driver runs but sees no GPU: a container started without GPUs, a Slurm job without a GPU allocation, an instance type without a GPU, or a GPU not bound to the driver.',
    fix: 'Use a GPU instance type (AWS g4dn/g5/g6, GCP g2 or a VM with an attached GPU); run containers with `--gpus all`; in Slurm ask for `--gres=gpu:1`; check `lspci | grep -i nvidia`.',
  },
  {
    code: 'gpu-lost',
    match: (t) => /Unable to determine the device handle|GPU is lost|fallen off the bus/i.test(t),
    summary: 'a GPU stopped answering (it has "fallen off the bus")',
    explanation:
      'The driver lost contact with a GPU, usually logged as Xid 79 in `dmesg`: overheating, a power problem or a hardware fault.',
    fix: 'Reboot. If it happens again, the GPU or its host is faulty: on a cloud VM, stop it and start it again (it moves to another host) or open a support case.',
  },
  {
    code: 'no-permission',
    match: (t) => /Insufficient Permissions|no permission/i.test(t),
    summary: 'nvidia-smi is not allowed to open the GPU devices',
    explanation:
      'The user cannot open /dev/nvidia*: a restricted account, or a container without the device files.',
    fix: 'Check `ls -l /dev/nvidia*`; add the user to the group that owns them (often `video`), or run the container with the NVIDIA Container Toolkit (`--gpus all`).',
  },
  {
    code: 'library-missing',
    match: (t) => /NVML Shared Library Not Found|libnvidia-ml\.so/i.test(t),
    summary: "the driver's NVML library (libnvidia-ml.so) is missing",
    explanation:
      'nvidia-smi exists but the driver library it needs does not: an incomplete driver install, or a container without the NVIDIA Container Toolkit.',
    fix: 'Reinstall the driver (the package that provides libnvidia-ml.so), or start the container with `--gpus all` so the toolkit mounts the library.',
  },
  {
    code: 'not-installed',
    match: (t, code) =>
      code === 127 || /nvidia-smi: (?:command )?not found|nvidia-smi: No such file/i.test(t),
    summary: 'nvidia-smi is not installed (no NVIDIA driver on this machine)',
    explanation:
      'nvidia-smi comes with the NVIDIA driver. It is missing on a machine without an NVIDIA GPU, on an image without the driver, or in a container started without the NVIDIA Container Toolkit.',
    fix: 'On a GPU VM, use an image with the driver (AWS Deep Learning AMI, GCP Deep Learning VM) or install it (Ubuntu: `sudo ubuntu-drivers install`, then reboot). In a container, run it with `--gpus all`.',
  },
];

/** The diagnosis for an nvidia-smi run that failed for a known reason; undefined otherwise. */
export function diagnoseNvidiaSmi(result: {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}): Diagnosis | undefined {
  const text = `${result.stdout}\n${result.stderr}`;
  // A rejected query field is not a machine problem: the caller falls back to other fields.
  if (/is not a valid field to query/.test(text)) return undefined;
  const rule = RULES.find((r) => r.match(text, result.exitCode));
  if (!rule) return undefined;
  const output =
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? '';
  const { match: _match, ...diagnosis } = rule;
  return { ...diagnosis, output, exitCode: result.exitCode };
}
