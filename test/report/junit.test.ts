// JUnit XML for every fixture: valid against Jenkins' junit-10.xsd (xmllint), and the structure CI
// tools read: a suite per run (per host in a fleet, told apart), counts that add up, failure text with
// expected and observed, skipped and error cases, times in seconds, properties.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { renderJunit } from '../../src/report/junit.js';
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js';
import { fixtures } from './fixtures.js';

const XSD = join(import.meta.dirname, '..', 'fixtures', 'junit-10.xsd');
afterAll(removeTempDirs);

type Node = Record<string, unknown>;
const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function parse(xml: string) {
  // htmlEntities: decode character references (&#13;, &#10;) as any XML parser does.
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    trimValues: false,
    htmlEntities: true,
  }).parse(xml);
  const suites = list(doc.testsuites.testsuite as Node | Node[]);
  return { root: doc.testsuites as Node, suites };
}

describe('JUnit XML', () => {
  const dir = makeTempDir('ailab-junit-');

  for (const [name, results] of Object.entries(fixtures)) {
    it(`${name}: valid against the Jenkins XSD, with counts that add up`, () => {
      const xml = renderJunit(results);
      const file = join(dir, `${name}.xml`);
      writeFileSync(file, xml);
      const out = execFileSync('xmllint', ['--noout', '--schema', XSD, file], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
      expect(out).toBe('');
      const { root, suites } = parse(xml);
      expect(suites).toHaveLength(results.length);
      let tests = 0;
      let failures = 0;
      for (const suite of suites) {
        const cases = list(suite.testcase as Node | Node[]);
        expect(Number(suite.tests)).toBe(cases.length);
        expect(Number(suite.failures)).toBe(cases.filter((c) => c.failure !== undefined).length);
        expect(Number(suite.errors)).toBe(cases.filter((c) => c.error !== undefined).length);
        expect(Number(suite.skipped)).toBe(cases.filter((c) => c.skipped !== undefined).length);
        for (const c of cases) expect(String(c.time)).toMatch(/^\d+\.\d{3}$/);
        tests += cases.length;
        failures += Number(suite.failures);
      }
      expect(Number(root.tests)).toBe(tests);
      expect(Number(root.failures)).toBe(failures);
    });
  }

  it('names a suite per host in a fleet, with host in class names so Jenkins keeps them apart', () => {
    const { suites } = parse(renderJunit(fixtures.fleet));
    expect(suites.map((s) => s.name)).toEqual([
      'week-01 @ gpu-a.lab',
      'week-01 @ bob',
      'week-01 @ gpu-c.lab',
    ]);
    expect(suites.map((s) => s.hostname)).toEqual(['gpu-a.lab', 'gpu-b.lab', 'gpu-c.lab']);
    const b = list(suites[1].testcase as Node | Node[]);
    expect(b.map((c) => c.classname)).toEqual(['week-01.bob.verify', 'week-01.bob.verify']);
    const c = list(suites[2].testcase as Node | Node[]);
    expect(c).toEqual([
      expect.objectContaining({
        classname: 'week-01.gpu-c_lab.preflight',
        name: 'requires python3',
        error: expect.objectContaining({
          type: 'preflight',
          message: 'this machine lacks python3: not found on PATH',
        }),
      }),
    ]);
  });

  it('has a testcase per step and check, classname lab.step, failure text with expected and observed', () => {
    const { suites } = parse(renderJunit(fixtures.mixed));
    const cases = list(suites[0].testcase as Node | Node[]);
    expect(cases.map((c) => `${c.classname} | ${c.name}`)).toEqual([
      'week-04.write | Write the Dockerfile',
      'week-04.write | The Dockerfile starts FROM python:3.11-slim',
      'week-04.build | Build the image',
      'week-04.serve | Run the container',
      'week-04.verify | The image exists',
      'week-04.verify | The API answers /predict',
      'week-04.verify | No stray container holds the GPU',
      'week-04.cleanup | Remove the container',
    ]);
    const api = cases[5].failure as Node;
    expect(api.type).toBe('http');
    expect(api['#text']).toBe(
      [
        '1 of 3 expectations held',
        'expected: status 200, JSON $.label, latency < 500ms',
        'observed: status 503 in 12ms',
        '✖ status: expected 200, got 503',
        '✖ json $.label: expected present, got absent',
        'hint: Is the container running? docker ps',
        'points: 1/3',
        'attempts: 5',
      ].join('\n'),
    );
    expect(cases[5]['system-out']).toBe('<html><body>Service Unavailable</body></html>');
    expect(cases[3].error).toMatchObject({ message: 'timed out after 20s', type: 'step:run' });
    expect(cases[2]['system-out']).toContain('torch==9.9');
    expect(cases[2].time).toBe('41.000');
  });

  it('marks skipped steps and checks, and carries target and GPU properties', () => {
    const skip = list(parse(renderJunit(fixtures.skip)).suites[0].testcase as Node | Node[]);
    expect(skip.filter((c) => c.skipped !== undefined).map((c) => c.name)).toEqual([
      'Install the NVIDIA driver',
      'Reboot',
      'nvidia-smi answers',
      'A bonus for zsh',
    ]);
    const gpu = parse(renderJunit(fixtures.gpu)).suites[0];
    const props = Object.fromEntries(
      list((gpu.properties as Node).property as Node[]).map((p) => [p.name as string, p.value as string]),
    );
    expect(props).toMatchObject({
      target: 'ssh://ubuntu@gpu-1.example.com:22',
      'target.kind': 'ssh',
      'gpu.0': 'NVIDIA H100 80GB HBM3 (81559 MiB, driver 550.54.15)',
      'gpu.matmul.bf16': '712.4 TFLOPS of 989 peak',
    });
  });

  it('keeps hostile and unicode text exactly, as text', () => {
    const { suites } = parse(renderJunit(fixtures.unicode));
    const hostile = list(suites[0].testcase as Node | Node[]).find((c) => c.classname === 'week-13.verify');
    expect(hostile?.name).toBe(fixtures.unicode[0].verify[0].title);
    expect((hostile!.failure as Node)['#text']).toContain(
      'observed: got <b>bold</b> & "quotes", 100% sure\r\n# not a heading',
    );
    const emoji = list(suites[0].testcase as Node | Node[])[0];
    expect(emoji['system-out']).toBe(
      'ok ✅\nbell \\u0007 escape \\u001b[31mred\\u001b[0m nul-free\r\ncarriage return\ttab',
    );
  });
});
