// Objects in a Kubernetes cluster, read from its API server (no kubectl): by kind and name or label
// selector, built-in kinds and CRDs alike; expectations on existence, count, a partial object,
// conditions, short forms, pod logs and events. A failure carries the object's status, its last
// events and a failing pod's last log lines. Problems with the cluster itself are plain messages
// (diagnose.ts). Heavy parts (@kubernetes/client-node) load inside `run`.
import {
  type Facts,
  type MatchResult,
  matchText,
  matchValue,
  outcomeFromAssertions,
} from '../../engine/match.js';
import { type CheckOutcome, defineCheck } from '../types.js';
import type { Connection } from './client.js';
import { collectDetails, formatEvent, listEvents, readLogs } from './details.js';
import { KubeProblem } from './diagnose.js';
import { type ResourceType, resolveKind, resourcePath } from './discovery.js';
import { describeMismatches, matchPartial } from './match.js';
import { type Options, schema } from './schema.js';
import { impliedKind, type KubeObject, nameOf, shortFormAssertions } from './short-forms.js';

const LOG_PODS = 5;

function labelSelector(selector: Options['selector']): string | undefined {
  if (selector === undefined || typeof selector === 'string') return selector;
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** What the options select, for messages: `Deployment default/web`, `Pod default -l app=web`. */
function describeSelection(type: ResourceType, options: Options, namespace: string): string {
  const ns = type.namespaced ? `${namespace}/` : '';
  if (options.name) return `${type.kind} ${ns}${options.name}`;
  const selector = labelSelector(options.selector);
  const where = type.namespaced ? ` in ${namespace}` : '';
  return `${type.kind}${where}${selector ? ` -l ${selector}` : ''}${options.field_selector ? ` --field-selector ${options.field_selector}` : ''}`;
}

/** The objects the options select: one by name (none when 404), or a list by selector. */
async function fetchObjects(
  conn: Connection,
  type: ResourceType,
  options: Options,
  namespace: string,
): Promise<KubeObject[]> {
  const where = type.namespaced ? ` in namespace "${namespace}"` : '';
  if (options.name) {
    const path = resourcePath(type, namespace, options.name);
    const object = await conn.findJson<KubeObject>(path, 'get', `${type.plural} "${options.name}"${where}`);
    return object ? [object] : [];
  }
  const query = new URLSearchParams();
  const selector = labelSelector(options.selector);
  if (selector) query.set('labelSelector', selector);
  if (options.field_selector) query.set('fieldSelector', options.field_selector);
  const qs = query.size > 0 ? `?${query}` : '';
  const list = await conn.getJson<{ items?: KubeObject[] }>(
    `${resourcePath(type, namespace)}${qs}`,
    'list',
    `${type.plural}${where}`,
  );
  // List items carry no kind or apiVersion on the wire.
  return (list.items ?? []).map((item) => ({ kind: type.kind, apiVersion: type.apiVersion, ...item }));
}

function hasExpectations(options: Options): boolean {
  const { exists, count, match, condition, event, logs } = options;
  return (
    [exists, count, match, condition, event, logs].some((v) => v !== undefined) ||
    impliedKind(options) !== undefined
  );
}

async function eventAssertion(
  conn: Connection,
  options: Options,
  objects: KubeObject[],
  namespace: string,
): Promise<MatchResult> {
  const want = options.event as NonNullable<Options['event']>;
  const scoped = options.name !== undefined || options.selector !== undefined;
  const all = await listEvents(conn, namespace);
  const names = new Set(objects.map(nameOf));
  const about = scoped ? all.filter((e) => names.has(e.involvedObject?.name ?? '')) : all;
  const matching = about.filter(
    (e) =>
      e.reason === want.reason &&
      (!want.type || e.type === want.type) &&
      (!want.message || matchText('message', want.message, e.message ?? '').assertions.every((a) => a.ok)),
  );
  const name = `event ${want.reason}`;
  const found = matching.length > 0;
  const ok = found === want.present;
  const expected = want.present ? 'present' : 'absent';
  const last = matching.at(-1);
  const actual = last ? formatEvent(last) : `none among ${about.length} events`;
  return {
    name,
    ok,
    expected,
    actual,
    message: ok
      ? `${name} ${found ? `seen: ${actual}` : 'not seen'}`
      : `${name}: ${actual}, expected ${expected}`,
  };
}

async function logsAssertions(
  conn: Connection,
  options: Options,
  objects: KubeObject[],
  namespace: string,
): Promise<{ assertions: MatchResult[]; facts: Facts }> {
  const texts: string[] = [];
  for (const pod of objects.slice(0, LOG_PODS)) {
    const ns = pod.metadata?.namespace ?? namespace;
    texts.push(await readLogs(conn, ns, nameOf(pod), options.container, options.tail_lines));
  }
  return matchText('logs', options.logs as NonNullable<Options['logs']>, texts.join('\n'));
}

async function grade(conn: Connection, options: Options, kind: string): Promise<CheckOutcome> {
  const type = await resolveKind(conn, kind, options.api_version);
  const namespace = options.namespace ?? conn.namespace;
  const objects = await fetchObjects(conn, type, options, namespace);
  const selection = describeSelection(type, options, namespace);
  const assertions: MatchResult[] = [];
  const facts: Facts = { count: objects.length };

  const exists = options.exists ?? (hasExpectations(options) ? undefined : true);
  if (exists !== undefined) {
    const ok = objects.length > 0 === exists;
    const actual = objects.length > 0 ? `${objects.length} found` : 'none found';
    assertions.push({
      name: selection,
      ok,
      expected: exists ? 'exists' : 'absent',
      actual,
      message: ok
        ? `${selection}: ${exists ? actual : 'absent'}`
        : `${selection}: ${actual}, expected ${exists ? 'it to exist' : 'none'}`,
    });
  }
  if (options.count !== undefined)
    assertions.push(matchValue(`${selection} count`, options.count, objects.length));

  // Expectations on each object need one: say "not found" once rather than fail each vaguely.
  const perObject =
    options.match !== undefined ||
    options.condition !== undefined ||
    options.logs !== undefined ||
    [
      options.ready_replicas,
      options.service_type,
      options.node_port,
      options.current_replicas,
      options.desired_replicas,
      options.image,
    ].some((v) => v !== undefined) ||
    options.running === true;
  if (objects.length === 0 && perObject && exists === undefined) {
    assertions.push({
      name: selection,
      ok: false,
      expected: 'exists',
      actual: 'none found',
      message: `${selection}: not found`,
    });
  } else {
    if (options.match !== undefined) {
      const match = options.match;
      const failures = objects
        .map((o) => ({ o, m: matchPartial(match, o, options.exact) }))
        .filter((r) => r.m.length > 0);
      const first = failures[0];
      const matching = objects.length - failures.length;
      const many = objects.length > 1 ? `${nameOf(first?.o ?? {})}: ` : '';
      // match_any: one matching object is enough; say how many did, or why the first did not.
      const ok = options.match_any ? matching > 0 : !first;
      const actual = options.match_any
        ? matching > 0
          ? `${matching} of ${objects.length} match`
          : `none of ${objects.length} match (${many}${first ? describeMismatches(first.m) : ''})`
        : first
          ? `${many}${describeMismatches(first.m)}`
          : objects.length > 1
            ? `all ${objects.length} match`
            : 'matches';
      assertions.push({
        name: 'match',
        ok,
        expected: `${options.match_any ? 'one contains' : 'contains'} ${JSON.stringify(match)}${options.exact ? ' (lists exact)' : ''}`,
        actual,
        message: `${selection} ${actual}`,
      });
    }
    const short = shortFormAssertions(options, objects);
    assertions.push(...short.assertions);
    Object.assign(facts, short.facts);
    if (options.logs !== undefined) {
      const logs = await logsAssertions(conn, options, objects, namespace);
      assertions.push(...logs.assertions);
      Object.assign(facts, logs.facts);
    }
  }
  if (options.event !== undefined) assertions.push(await eventAssertion(conn, options, objects, namespace));

  const outcome = outcomeFromAssertions(assertions, facts);
  if (conn.via !== 'this machine') outcome.message += ` (via ${conn.via})`;
  if (outcome.status !== 'pass' && objects.length > 0) {
    outcome.details = await collectDetails(conn, type, objects, namespace).catch(() => undefined);
  }
  return outcome;
}

const selectedKind = (options: Options) =>
  options.kind ?? impliedKind(options) ?? (options.event ? 'Event' : undefined);

/** What the schema cannot say: a kind must be known, and name and selector exclude each other. */
function optionProblems(options: Options): string[] {
  const problems: string[] = [];
  if (!selectedKind(options))
    problems.push('name a kind (kind: Deployment) or use a short form such as ready_replicas');
  if (options.name && options.selector) problems.push('give name or selector, not both');
  return problems;
}

export const check = defineCheck({
  type: 'kubernetes',
  summary:
    'Read objects from the Kubernetes API and check existence, count, a partial object, conditions, logs, events',
  schema,
  // Caught by the loader and `ailab lint`; run() still refuses them for checks built in code.
  lint: (options) => optionProblems(options),
  async run(ctx, options): Promise<CheckOutcome> {
    const problem = optionProblems(options)[0];
    if (problem) return { status: 'error', message: problem };
    const kind = selectedKind(options) as string;
    let conn: Connection | undefined;
    try {
      const { connect } = await import('./client.js');
      conn = await connect(ctx, options.context);
      return await grade(conn, options, kind);
    } catch (error) {
      if (error instanceof KubeProblem) {
        return {
          status: 'fail',
          message: error.message,
          expected: 'a reachable cluster',
          observed: error.message,
        };
      }
      throw error;
    } finally {
      await conn?.close();
    }
  },
});
