// What to tell a learner whose PyTorch cannot use a GPU: is there a GPU at all (nvidia-smi), is the
// wheel CPU-only, is the driver too old for the wheel's CUDA. Shared by the torch and cuda-matmul checks.
import { type Exec, queryGpus } from '../checks/nvidia-smi/query.js';

export interface GpuPresence {
  /** nvidia-smi lists at least one GPU. */
  visible: boolean;
  /** One line: the GPUs seen, or why there are none. */
  summary: string;
  names: string[];
  /** The driver's CUDA version, when known. */
  cudaVersion?: string;
}

/** Whether the target has an NVIDIA GPU, as nvidia-smi says. */
export async function probeGpu(exec: Exec): Promise<GpuPresence> {
  const outcome = await queryGpus(exec, { needs: { cuda: true } });
  if (!outcome.ok) {
    const summary = 'diagnosis' in outcome ? outcome.diagnosis.summary : outcome.error;
    return { visible: false, summary, names: [] };
  }
  const names = outcome.inventory.gpus.map((g) => g.name);
  const cuda = outcome.inventory.cudaVersion;
  return {
    visible: names.length > 0,
    summary: `nvidia-smi shows ${names.join(', ')}${cuda ? ` (driver supports CUDA ${cuda})` : ''}`,
    names,
    cudaVersion: cuda,
  };
}

const major = (version: string) => Number(version.split('.')[0]);

/**
 * The pip command for a CUDA wheel the driver can run. Since CUDA 11, a driver runs every build of its
 * major version (minor version compatibility), so a 12.x driver takes the cu128 wheels and an 11.x
 * driver the cu118 ones; unknown: cu128.
 */
export function wheelCommand(driverCuda: string | undefined): string {
  const driverMajor = driverCuda ? major(driverCuda) : 12;
  const tag = driverMajor >= 12 ? 'cu128' : driverMajor === 11 ? 'cu118' : undefined;
  if (!tag)
    return `upgrade the NVIDIA driver: it supports only CUDA ${driverCuda}, older than any current PyTorch wheel`;
  return `pip install torch --index-url https://download.pytorch.org/whl/${tag}`;
}

export interface TorchCudaInfo {
  torch?: string | null;
  torch_cuda?: string | null;
  hip?: string | null;
}

/**
 * Why torch cannot use CUDA here, and what to do: `gpu` false means there is no GPU to use (a check
 * may skip), true means there is one and torch is the problem (a check fails).
 */
export function explainNoCuda(info: TorchCudaInfo, presence: GpuPresence): { gpu: boolean; message: string } {
  if (!presence.visible) return { gpu: false, message: `no CUDA device: ${presence.summary}` };
  const version = info.torch ?? 'unknown';
  if (!info.torch_cuda && !info.hip) {
    return {
      gpu: true,
      message: `this wheel has no CUDA (torch ${version}): install the cu12x build: ${wheelCommand(presence.cudaVersion)}`,
    };
  }
  if (info.torch_cuda && presence.cudaVersion && major(info.torch_cuda) > major(presence.cudaVersion)) {
    return {
      gpu: true,
      message: `torch ${version} needs CUDA ${info.torch_cuda} but the driver supports only CUDA ${presence.cudaVersion}: upgrade the driver, or ${wheelCommand(presence.cudaVersion)}`,
    };
  }
  return {
    gpu: true,
    message: `torch ${version} (built for CUDA ${info.torch_cuda ?? info.hip}) cannot use the GPU (${presence.summary}): check that CUDA_VISIBLE_DEVICES does not hide it`,
  };
}
