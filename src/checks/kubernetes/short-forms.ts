// The short forms the labs use most, each a pure function from the objects found to assertions:
// ready replicas, Running pods, restarts, service type and NodePort, Ready nodes, HPA replicas,
// container image, allocatable GPUs, and conditions.
import {
  type Facts,
  formatValue,
  type MatchResult,
  matchText,
  matchValue,
  type TextMatcher,
  type ValueMatcher,
} from '../../engine/match.js';
import type { ConditionSpec, Options } from './schema.js';

export type KubeObject = {
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
} & Record<string, unknown>;

interface Container {
  name?: string;
  image?: string;
}
interface ContainerStatus {
  name?: string;
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string }; terminated?: { reason?: string } };
}
interface Condition {
  type?: string;
  status?: string;
  reason?: string;
}

/** The kind a short form implies when `kind` is not given. */
export function impliedKind(options: Options): string | undefined {
  if (options.ready_replicas !== undefined) return 'Deployment';
  if (options.running !== undefined || options.restarts !== undefined || options.logs !== undefined)
    return 'Pod';
  if (options.service_type !== undefined || options.node_port !== undefined) return 'Service';
  if (options.ready_nodes !== undefined || options.gpu_allocatable !== undefined) return 'Node';
  if (options.current_replicas !== undefined || options.desired_replicas !== undefined)
    return 'HorizontalPodAutoscaler';
  if (options.image !== undefined) return 'Pod';
  return undefined;
}

export const nameOf = (o: KubeObject) => o.metadata?.name ?? '?';
/** Ready pods of a workload: a DaemonSet counts them as numberReady, the others as readyReplicas. */
const readyReplicas = (o: KubeObject) =>
  o.kind === 'DaemonSet' ? num(o.status?.numberReady) : num(o.status?.readyReplicas);
const num = (v: unknown) => (typeof v === 'number' ? v : 0);
const conditionsOf = (o: KubeObject) => (o.status?.conditions as Condition[] | undefined) ?? [];
const containerStatuses = (o: KubeObject) =>
  (o.status?.containerStatuses as ContainerStatus[] | undefined) ?? [];

/** Whether a node is Ready (its Ready condition is True). */
export const isReadyNode = (o: KubeObject) =>
  conditionsOf(o).some((c) => c.type === 'Ready' && c.status === 'True');

/** Whether a pod is Running with no container waiting (CrashLoopBackOff pods stay in phase Running). */
export function isRunningPod(o: KubeObject): boolean {
  return o.status?.phase === 'Running' && containerStatuses(o).every((c) => !c.state?.waiting);
}

/** A pod's phase, or the reason a container waits (CrashLoopBackOff, ErrImagePull), as kubectl shows it. */
export function podState(o: KubeObject): string {
  const waiting = containerStatuses(o).find((c) => c.state?.waiting?.reason);
  return waiting?.state?.waiting?.reason ?? String(o.status?.phase ?? 'Unknown');
}

/** The highest restart count of a pod's containers. */
export const podRestarts = (o: KubeObject) =>
  Math.max(0, ...containerStatuses(o).map((c) => num(c.restartCount)));

/** The containers of a pod or of a workload's pod template. */
export function containersOf(o: KubeObject): Container[] {
  const spec = o.spec ?? {};
  const template = (spec.template as { spec?: { containers?: Container[] } } | undefined)?.spec;
  const jobTemplate = (
    spec.jobTemplate as { spec?: { template?: { spec?: { containers?: Container[] } } } } | undefined
  )?.spec?.template?.spec;
  return (
    (spec.containers as Container[] | undefined) ?? template?.containers ?? jobTemplate?.containers ?? []
  );
}

/** One assertion over every object: ok when each holds; the actual value names the first that does not. */
function each(
  name: string,
  objects: KubeObject[],
  expected: string,
  test: (o: KubeObject) => { ok: boolean; actual: string },
): MatchResult {
  const results = objects.map((o) => ({ o, ...test(o) }));
  const bad = results.find((r) => !r.ok);
  const many = objects.length > 1;
  const actual = bad
    ? `${many ? `${nameOf(bad.o)}: ` : ''}${bad.actual}`
    : many
      ? `all ${objects.length}`
      : (results[0]?.actual ?? 'nothing');
  const ok = objects.length > 0 && !bad;
  return {
    name,
    ok,
    expected,
    actual,
    message: ok ? `${name} ${actual}` : `${name} ${actual}, expected ${expected}`,
  };
}

function eachValue(
  name: string,
  objects: KubeObject[],
  matcher: ValueMatcher,
  read: (o: KubeObject) => unknown,
) {
  const expected = matchValue(name, matcher, 0).expected;
  return each(name, objects, expected, (o) => {
    const r = matchValue(name, matcher, read(o));
    return { ok: r.ok, actual: r.actual };
  });
}

function eachText(
  name: string,
  objects: KubeObject[],
  matcher: TextMatcher,
  read: (o: KubeObject) => string,
) {
  const results: MatchResult[] = [];
  for (const o of objects) {
    const { assertions } = matchText(objects.length > 1 ? `${name} of ${nameOf(o)}` : name, matcher, read(o));
    results.push(...assertions);
  }
  return results;
}

function conditionAssertion(spec: ConditionSpec, objects: KubeObject[]): MatchResult {
  const want = typeof spec === 'string' ? { type: spec, status: 'True' as const, reason: undefined } : spec;
  const expected = `${want.type}=${want.status}${want.reason ? ` (${want.reason})` : ''}`;
  return each(`condition ${want.type}`, objects, expected, (o) => {
    const c = conditionsOf(o).find((x) => x.type === want.type);
    if (!c) return { ok: false, actual: `no ${want.type} condition` };
    const ok = c.status === want.status && (!want.reason || c.reason === want.reason);
    return { ok, actual: `${want.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}` };
  });
}

/** The assertions of the short forms and conditions in `options`, and the facts they capture. */
export function shortFormAssertions(
  options: Options,
  objects: KubeObject[],
): { assertions: MatchResult[]; facts: Facts } {
  const assertions: MatchResult[] = [];
  const facts: Facts = {};
  const conditions =
    options.condition === undefined
      ? []
      : Array.isArray(options.condition)
        ? options.condition
        : [options.condition];
  for (const c of conditions) assertions.push(conditionAssertion(c, objects));

  if (options.ready_replicas !== undefined) {
    assertions.push(eachValue('ready replicas', objects, options.ready_replicas, readyReplicas));
    if (objects.length === 1) facts.ready_replicas = readyReplicas(objects[0]);
  }
  if (options.running !== undefined) {
    const running = objects.filter(isRunningPod);
    facts.running = running.length;
    if (options.running === true) {
      assertions.push(each('pod', objects, 'Running', (o) => ({ ok: isRunningPod(o), actual: podState(o) })));
    } else {
      assertions.push(matchValue('running pods', options.running, running.length));
    }
  }
  if (options.restarts !== undefined) {
    const worst = objects.reduce<KubeObject | undefined>(
      (a, o) => (a === undefined || podRestarts(o) > podRestarts(a) ? o : a),
      undefined,
    );
    const r = matchValue('restarts', options.restarts, worst ? podRestarts(worst) : 0);
    const who = worst && objects.length > 1 ? ` (${nameOf(worst)})` : '';
    const actual = `${r.actual}${who}`;
    assertions.push({
      ...r,
      actual,
      message: r.ok ? `restarts ${actual}` : `restarts ${actual}, expected ${r.expected}`,
    });
  }
  if (options.service_type !== undefined) {
    const want = options.service_type;
    assertions.push(
      each('service type', objects, want, (o) => ({
        ok: o.spec?.type === want,
        actual: formatValue(o.spec?.type),
      })),
    );
  }
  if (options.node_port !== undefined) {
    const matcher = options.node_port;
    const expected = matchValue('node port', matcher, 0).expected;
    assertions.push(
      each('node port', objects, expected, (o) => {
        const ports = ((o.spec?.ports as { nodePort?: number }[] | undefined) ?? [])
          .map((p) => p.nodePort)
          .filter((p) => p !== undefined);
        const hit = ports.find((p) => matchValue('node port', matcher, p).ok);
        return {
          ok: hit !== undefined,
          actual: hit !== undefined ? String(hit) : ports.length ? ports.join(', ') : 'none',
        };
      }),
    );
    const first = objects
      .flatMap((o) => (o.spec?.ports as { nodePort?: number }[] | undefined) ?? [])
      .find((p) => p.nodePort);
    if (first?.nodePort) facts.node_port = first.nodePort;
  }
  if (options.ready_nodes !== undefined) {
    const ready = objects.filter(isReadyNode).length;
    facts.ready_nodes = ready;
    assertions.push(matchValue('ready nodes', options.ready_nodes, ready));
  }
  if (options.gpu_allocatable !== undefined) {
    const gpus = objects.reduce((sum, o) => {
      const allocatable = (o.status?.allocatable as Record<string, string> | undefined) ?? {};
      return sum + (Number(allocatable['nvidia.com/gpu'] ?? 0) || 0);
    }, 0);
    facts.gpu_allocatable = gpus;
    assertions.push(matchValue('nvidia.com/gpu allocatable', options.gpu_allocatable, gpus));
  }
  if (options.current_replicas !== undefined) {
    assertions.push(
      eachValue('current replicas', objects, options.current_replicas, (o) => num(o.status?.currentReplicas)),
    );
  }
  if (options.desired_replicas !== undefined) {
    assertions.push(
      eachValue('desired replicas', objects, options.desired_replicas, (o) => num(o.status?.desiredReplicas)),
    );
  }
  if (options.image !== undefined) {
    const imageOf = (o: KubeObject) => {
      const containers = containersOf(o);
      const c = options.container ? containers.find((x) => x.name === options.container) : containers[0];
      return c?.image ?? '';
    };
    assertions.push(...eachText('image', objects, options.image, imageOf));
  }
  return { assertions, facts };
}
