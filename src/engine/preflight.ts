// Preflight: does the target have what the lab requires? One probe script, run on the target,
// so it answers the same on this machine, an SSH host or a pod.
import { shellQuote } from '../spec/interpolate.js';
import type { Requirements } from '../spec/types.js';
import type { Target } from '../targets/types.js';
import { formatSize } from '../util/size.js';
import type { PreflightItem } from './result.js';

const OS_NAMES: Record<string, string> = { Linux: 'linux', Darwin: 'darwin' };

function probeScript(req: Requirements, workDir: string): string {
  const lines = [
    'echo "os=$(uname -s)"',
    'echo "cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null)"',
    `echo "memory=$(awk '/^MemTotal:/ {print $2 * 1024}' /proc/meminfo 2>/dev/null || sysctl -n hw.memsize 2>/dev/null)"`,
    `echo "disk=$(df -Pk ${shellQuote(workDir)} 2>/dev/null | awk 'NR==2 {print $4 * 1024}')"`,
  ];
  for (const command of req.commands) {
    lines.push(
      `command -v ${shellQuote(command)} >/dev/null 2>&1 && echo ${shellQuote(`cmd:${command}=yes`)} || echo ${shellQuote(`cmd:${command}=no`)}`,
    );
  }
  if (req.pythonModules.length > 0) {
    const py = `import importlib.util, sys\nfor m in sys.argv[1:]:\n    print("py:" + m + "=" + ("yes" if importlib.util.find_spec(m) else "no"))`;
    lines.push(
      `${req.python} -c ${shellQuote(py)} ${req.pythonModules.map(shellQuote).join(' ')} 2>/dev/null || echo "python=missing"`,
    );
  }
  return lines.join('\n');
}

/** Check every requirement; an item with ok=false is something the machine lacks. */
export async function runPreflight(
  target: Target,
  req: Requirements,
  workDir: string,
  signal?: AbortSignal,
): Promise<PreflightItem[]> {
  const result = await target.exec(probeScript(req, workDir), { timeoutMs: 30_000, signal });
  const facts = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) facts.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const items: PreflightItem[] = [];
  if (req.os.length > 0) {
    const os = OS_NAMES[facts.get('os') ?? ''] ?? facts.get('os') ?? 'unknown';
    items.push({ requirement: `os: ${req.os.join(' or ')}`, ok: req.os.includes(os), observed: os });
  }
  if (req.cpus !== undefined) {
    const cpus = Number(facts.get('cpus'));
    items.push({
      requirement: `cpus >= ${req.cpus}`,
      ok: cpus >= req.cpus,
      observed: `${cpus || 'unknown'} cores`,
    });
  }
  if (req.memoryBytes !== undefined) {
    const memory = Number(facts.get('memory'));
    items.push({
      requirement: `memory >= ${formatSize(req.memoryBytes)}`,
      ok: memory >= req.memoryBytes,
      observed: memory ? formatSize(memory) : 'unknown',
    });
  }
  if (req.diskBytes !== undefined) {
    const disk = Number(facts.get('disk'));
    items.push({
      requirement: `free disk >= ${formatSize(req.diskBytes)}`,
      ok: disk >= req.diskBytes,
      observed: disk ? `${formatSize(disk)} free` : 'unknown',
    });
  }
  for (const command of req.commands) {
    const ok = facts.get(`cmd:${command}`) === 'yes';
    items.push({ requirement: `command: ${command}`, ok, observed: ok ? 'on PATH' : 'not found on PATH' });
  }
  if (req.gpu) {
    // Only labs that need a GPU pay for asking nvidia-smi (and load its parser).
    const { checkGpuRequirement } = await import('../checks/nvidia-smi/requirement.js');
    items.push(
      await checkGpuRequirement((command) => target.exec(command, { timeoutMs: 30_000, signal }), req.gpu),
    );
  }
  if (req.pythonModules.length > 0 && facts.get('python') === 'missing') {
    items.push({ requirement: `python: ${req.python}`, ok: false, observed: 'cannot run' });
  } else {
    for (const module of req.pythonModules) {
      const ok = facts.get(`py:${module}`) === 'yes';
      items.push({
        requirement: `python module: ${module}`,
        ok,
        observed: ok ? 'importable' : `not found by ${req.python}`,
      });
    }
  }
  return items;
}
