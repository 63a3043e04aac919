// JUnit XML (`--report junit:FILE`) as Jenkins and GitLab read it, valid against Jenkins' junit-10.xsd
// (test/fixtures/junit-10.xsd). A testsuite per lab run, per host in a fleet; a testcase per preflight
// requirement, step, check and cleanup action; class names `lab.step` (`lab.host.step` in a fleet).
import type { CheckResult, RunResult, StepResult } from '../engine/result.js';
import { xmlAttr, xmlText } from './escape.js';
import { extractGpu } from './gpu.js';
import {
  failedAssertions,
  groupByLab,
  hostName,
  hostOf,
  type Status,
  scoreText,
  slug,
  spanMs,
  verdict,
} from './model.js';

interface TestCase {
  classname: string;
  name: string;
  ms: number;
  status: Status;
  message?: string;
  /** Failure text: expected vs observed, hint. */
  body?: string;
  /** type attribute of <failure>/<error>: the check type or what failed. */
  kind: string;
  out?: string;
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

// Ant and Surefire write local date-times without a zone; ailab writes UTC in that form.
function timestamp(iso: string): string {
  return iso.replace(/\.\d+Z$|Z$/, '');
}

function checkBody(check: CheckResult): string {
  const lines: string[] = [check.message];
  if (check.expected !== undefined) lines.push(`expected: ${check.expected}`);
  if (check.observed !== undefined) lines.push(`observed: ${check.observed}`);
  for (const line of failedAssertions(check)) lines.push(`✖ ${line}`);
  if (check.hint) lines.push(`hint: ${check.hint}`);
  if (check.points > 0) lines.push(`points: ${check.earned}/${check.points}${check.bonus ? ' (bonus)' : ''}`);
  if (check.required) lines.push('required: a run fails when this check does not pass');
  if (check.attempts > 1) lines.push(`attempts: ${check.attempts}`);
  return lines.join('\n');
}

function checkCase(classname: string, check: CheckResult): TestCase {
  return {
    classname,
    name: check.title,
    ms: check.durationMs,
    status: check.status,
    message: check.message,
    body: check.status === 'skip' ? undefined : checkBody(check),
    kind: check.type,
    out: check.details,
  };
}

function stepCase(classname: string, step: StepResult): TestCase {
  const body = [step.message];
  if (step.exitCode !== undefined && step.exitCode !== null) body.push(`exit code: ${step.exitCode}`);
  if (step.attempts > 1) body.push(`attempts: ${step.attempts}`);
  return {
    classname,
    name: step.title,
    ms: step.durationMs,
    status: step.status,
    message: step.message,
    body: body.join('\n'),
    kind: `step:${step.kind}`,
    out: step.outputTail,
  };
}

function testCases(result: RunResult, prefix: string): TestCase[] {
  const cases: TestCase[] = result.preflight.map((item) => ({
    classname: `${prefix}.preflight`,
    name: `requires ${item.requirement}`,
    ms: 0,
    status: item.ok ? 'pass' : 'error',
    message: item.ok ? undefined : `this machine lacks ${item.requirement}: ${item.observed}`,
    body: item.observed,
    kind: 'preflight',
  }));
  for (const step of result.steps) {
    const classname = `${prefix}.${step.id}`;
    cases.push(stepCase(classname, step));
    for (const check of step.checks) cases.push(checkCase(classname, check));
  }
  for (const check of result.verify) cases.push(checkCase(`${prefix}.verify`, check));
  for (const item of result.cleanup) {
    cases.push({
      classname: `${prefix}.cleanup`,
      name: item.title,
      ms: item.durationMs,
      status: item.status,
      message: item.message,
      body: item.message,
      kind: 'cleanup',
    });
  }
  return cases;
}

function renderCase(c: TestCase): string {
  const open = `    <testcase classname="${xmlAttr(c.classname)}" name="${xmlAttr(c.name)}" time="${seconds(c.ms)}"`;
  const inner: string[] = [];
  if (c.status === 'fail' || c.status === 'error') {
    const tag = c.status === 'fail' ? 'failure' : 'error';
    inner.push(
      `      <${tag} message="${xmlAttr(c.message ?? '')}" type="${xmlAttr(c.kind)}">${xmlText(c.body ?? '')}</${tag}>`,
    );
  } else if (c.status === 'skip') {
    inner.push(`      <skipped message="${xmlAttr(c.message ?? '')}"/>`);
  }
  if (c.out && c.status !== 'skip') inner.push(`      <system-out>${xmlText(c.out)}</system-out>`);
  return inner.length === 0 ? `${open}/>` : `${open}>\n${inner.join('\n')}\n    </testcase>`;
}

function properties(result: RunResult): [string, string][] {
  const props: [string, string][] = [
    ['ailab.version', result.tool.version],
    ['run.id', result.runId],
    ['mode', result.mode],
    ['status', result.status],
    ['lab.id', result.lab.id],
    ['lab.title', result.lab.title],
    ['lab.file', result.lab.file],
    ['target', result.target.uri],
    ['target.kind', result.target.kind],
  ];
  if (result.workDir) props.push(['workdir', result.workDir]);
  if (result.verify.length > 0) {
    props.push(['score', scoreText(result)], ['score.threshold', `${result.score.threshold}%`]);
  }
  const gpu = extractGpu([result]);
  if (gpu) {
    gpu.cards.forEach((card, i) => {
      const facts = [card.memory, card.driver ? `driver ${card.driver}` : ''].filter(Boolean).join(', ');
      props.push([`gpu.${card.index ?? i}`, `${card.name}${facts ? ` (${facts})` : ''}`]);
    });
    for (const m of gpu.matmul) {
      props.push([
        `gpu.matmul${m.dtype ? `.${m.dtype}` : ''}`,
        `${m.value} ${m.unit}${m.peak ? ` of ${m.peak} peak` : ''}`,
      ]);
    }
  }
  for (const [name, value] of Object.entries(result.vars)) props.push([`var.${name}`, value]);
  return props;
}

function renderSuite(result: RunResult, id: number, fleet: boolean): { xml: string; counts: number[] } {
  const host = hostOf(result);
  const prefix = fleet ? `${result.lab.id}.${slug(host)}` : result.lab.id;
  const cases = testCases(result, prefix);
  const count = (s: Status) => cases.filter((c) => c.status === s).length;
  const counts = [cases.length, count('fail'), count('error'), count('skip')];
  const name = fleet ? `${result.lab.id} @ ${host}` : result.lab.id;
  const attrs = [
    `name="${xmlAttr(name)}"`,
    `tests="${counts[0]}"`,
    `failures="${counts[1]}"`,
    `errors="${counts[2]}"`,
    `skipped="${counts[3]}"`,
    `time="${seconds(result.durationMs)}"`,
    `timestamp="${xmlAttr(timestamp(result.startedAt))}"`,
    `hostname="${xmlAttr(hostName(result.target.uri))}"`,
    `id="${id}"`,
    `package="${xmlAttr(prefix)}"`,
    `file="${xmlAttr(result.lab.file)}"`,
  ];
  const summary = `${result.lab.id} — ${result.lab.title}: ${verdict(result)}${
    result.verify.length > 0 ? `, score ${scoreText(result)}, pass mark ${result.score.threshold}%` : ''
  }\n${[result.message, ...(result.target.notes ?? []).map((n) => `note: ${n}`)].join('\n')}`;
  const xml = [
    `  <testsuite ${attrs.join(' ')}>`,
    '    <properties>',
    ...properties(result).map(
      ([key, value]) => `      <property name="${xmlAttr(key)}" value="${xmlAttr(value)}"/>`,
    ),
    '    </properties>',
    ...cases.map(renderCase),
    `    <system-out>${xmlText(summary)}</system-out>`,
    '  </testsuite>',
  ].join('\n');
  return { xml, counts };
}

/** JUnit XML for one or more runs: `<testsuites>` with a `<testsuite>` per run. */
export function renderJunit(results: RunResult[]): string {
  const suites: string[] = [];
  const totals = [0, 0, 0, 0];
  let id = 0;
  for (const group of groupByLab(results)) {
    for (const result of group.results) {
      const { xml, counts } = renderSuite(result, id++, group.fleet);
      suites.push(xml);
      counts.forEach((n, i) => {
        totals[i] += n;
      });
    }
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="ailab" tests="${totals[0]}" failures="${totals[1]}" errors="${totals[2]}" time="${seconds(spanMs(results))}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
