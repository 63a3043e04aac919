// The PyTorch environment: torch imports, its version, whether it sees CUDA, how many GPUs and which,
// its CUDA and cuDNN versions. When torch cannot use a GPU the message says why: no torch, a CPU-only
// wheel on a GPU host, a driver too old for the wheel, or no GPU at all.
import { z } from 'zod';
import { type MatchResult, matchValue, outcomeFromAssertions, valueMatcherSchema } from '../engine/match.js';
import { interpreterProblem, runPython } from '../gpu/python.js';
import { explainNoCuda, probeGpu, wheelCommand } from '../gpu/torch-advice.js';
import { describeExpression, VERSION_EXPRESSION, versionHolds } from './nvidia-smi/expressions.js';
import { defineCheck } from './types.js';

const MARKER = '@@ailab-torch ';

// Python 3.8+. Prints one marked JSON line, never a traceback.
const PROBE = `
import json, sys, warnings
out = {}
try:
    import torch
except Exception as error:
    out["error"] = "%s: %s" % (type(error).__name__, error)
    print(${JSON.stringify(MARKER)} + json.dumps(out)); sys.exit(0)
out["torch"] = torch.__version__
out["torch_cuda"] = getattr(torch.version, "cuda", None)
out["hip"] = getattr(torch.version, "hip", None)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        out["cuda_available"] = bool(torch.cuda.is_available())
    except Exception as error:
        out["cuda_available"] = False
        caught.append(error)
out["cuda_warning"] = "; ".join(str(getattr(w, "message", w)) for w in caught)[:300] or None
devices = []
for i in range(torch.cuda.device_count() if out["cuda_available"] else 0):
    p = torch.cuda.get_device_properties(i)
    devices.append({"name": p.name, "capability": "%d.%d" % (p.major, p.minor), "memory_mib": int(p.total_memory) // 1048576})
out["devices"] = devices
try:
    out["cudnn"] = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
except Exception:
    out["cudnn"] = None
print(${JSON.stringify(MARKER)} + json.dumps(out))
`;

const versionExpression = (what: string) =>
  z
    .string()
    .regex(VERSION_EXPRESSION, 'a version with an optional comparison: ">= 2.1" or "< 3"')
    .describe(what);

const schema = z
  .strictObject({
    interpreter: z
      .string()
      .min(1)
      .default('python3')
      .describe(
        'The Python that runs it, as typed in a shell: python3 (default), .venv/bin/python, "conda run -n pytorch python"',
      ),
    version: versionExpression('The torch version: ">= 2.1"; a bare version means at least').optional(),
    cuda_available: z
      .boolean()
      .default(true)
      .describe('Whether torch.cuda.is_available() must be true (default) or false'),
    device_count: valueMatcherSchema.optional().describe('How many GPUs torch sees: ">= 1", 2'),
    device_name: z
      .string()
      .min(1)
      .optional()
      .describe('A regular expression each GPU name must match, case-insensitive: "A10G|L4"'),
    cuda_version: versionExpression(
      'The CUDA version torch was built for (torch.version.cuda): ">= 12.1"',
    ).optional(),
    cudnn_version: versionExpression('The cuDNN version torch loads: ">= 8.9"').optional(),
  })
  .describe('Check the PyTorch install: version, CUDA available, GPUs it sees, CUDA and cuDNN versions');

/** cuDNN's integer version as dotted: 8902 → 8.9.2, 90100 → 9.1.0. */
export function formatCudnnVersion(value: number): string {
  if (value >= 10000)
    return `${Math.floor(value / 10000)}.${Math.floor((value % 10000) / 100)}.${value % 100}`;
  return `${Math.floor(value / 1000)}.${Math.floor((value % 1000) / 100)}.${value % 100}`;
}

interface TorchInfo {
  error?: string;
  torch?: string;
  torch_cuda?: string | null;
  hip?: string | null;
  cuda_available?: boolean;
  cuda_warning?: string | null;
  devices?: { name: string; capability: string; memory_mib: number }[];
  cudnn?: number | null;
}

function versionAssertion(name: string, expression: string, version: string | null | undefined): MatchResult {
  const ok = Boolean(version) && versionHolds(expression, version as string);
  const actual = version ?? 'none';
  const expected = describeExpression(expression);
  return {
    name,
    ok,
    expected,
    actual,
    message: ok ? `${name} ${actual}` : `${name} ${actual}, expected ${expected}`,
  };
}

export const check = defineCheck({
  type: 'torch',
  summary: 'Check the PyTorch install: version, CUDA available, GPUs it sees, CUDA and cuDNN versions',
  schema,
  async run(ctx, options) {
    const { result, json } = await runPython(ctx, {
      interpreter: options.interpreter,
      script: PROBE,
      marker: MARKER,
    });
    const problem = interpreterProblem(options.interpreter, result);
    if (problem)
      return {
        status: 'fail',
        message: problem,
        expected: 'a Python interpreter',
        observed: result.stderr.trim().split('\n')[0],
      };
    if (!json) {
      const why = result.timedOut ? 'timed out' : `exit ${result.exitCode}`;
      return {
        status: 'error',
        message: `the torch probe printed no result (${why})`,
        details: `${result.stdout}\n${result.stderr}`.trim().slice(-2000),
      };
    }
    const info = json as TorchInfo;
    if (info.error !== undefined) {
      const presence = await probeGpu((command) => ctx.sh(command));
      const install = presence.visible ? wheelCommand(presence.cudaVersion) : 'pip install torch';
      return {
        status: 'fail',
        message: `torch is not installed for ${options.interpreter} (${info.error}): ${install}`,
        expected: 'import torch',
        observed: info.error,
      };
    }
    const devices = info.devices ?? [];
    const facts: Record<string, string | number> = { torch_version: info.torch ?? '' };
    if (info.torch_cuda) facts.torch_cuda = info.torch_cuda;
    const assertions: MatchResult[] = [
      {
        name: 'torch',
        ok: true,
        expected: 'importable',
        actual: info.torch ?? '?',
        message: `torch ${info.torch} imports`,
      },
    ];
    if (options.version !== undefined)
      assertions.push(versionAssertion('torch version', options.version, info.torch));
    const available = info.cuda_available === true;
    const cudaAssertion: MatchResult = {
      name: 'cuda available',
      ok: available === options.cuda_available,
      expected: String(options.cuda_available),
      actual: String(available),
      message: `cuda available ${available}`,
    };
    if (!available && options.cuda_available) {
      const presence = await probeGpu((command) => ctx.sh(command));
      cudaAssertion.message = explainNoCuda(info, presence).message;
      if (info.cuda_warning) cudaAssertion.actual = `false (${info.cuda_warning})`;
    }
    assertions.push(cudaAssertion);
    if (options.device_count !== undefined)
      assertions.push(matchValue('device count', options.device_count, devices.length));
    if (options.device_name !== undefined) {
      const re = new RegExp(options.device_name, 'i');
      const names = devices.map((d) => d.name);
      const ok = names.length > 0 && names.every((n) => re.test(n));
      const actual = names.length > 0 ? names.join(', ') : 'no GPU';
      const expected = `matches /${options.device_name}/i`;
      assertions.push({
        name: 'device name',
        ok,
        expected,
        actual,
        message: ok ? `device name ${actual}` : `device name ${actual}, expected ${expected}`,
      });
    }
    if (options.cuda_version !== undefined)
      assertions.push(versionAssertion('torch cuda', options.cuda_version, info.torch_cuda));
    if (options.cudnn_version !== undefined) {
      const cudnn = typeof info.cudnn === 'number' ? formatCudnnVersion(info.cudnn) : undefined;
      assertions.push(versionAssertion('cudnn', options.cudnn_version, cudnn));
    }
    const outcome = outcomeFromAssertions(assertions, facts);
    outcome.details = JSON.stringify(info, null, 2);
    return outcome;
  },
});
