import { describe, expect, it } from 'vitest';
import { check, fixtures, run } from '../../test/report/fixtures.js';
import { fitStepSummary, renderAnnotations } from './github.js';

describe('GitHub annotations', () => {
  it('writes an ::error per failed check and step, on the lab file relative to the workspace', () => {
    const text = renderAnnotations(fixtures.mixed, '/opt/ailab');
    const lines = text.trimEnd().split('\n');
    expect(lines.every((l) => l.startsWith('::error ') || l.startsWith('::warning '))).toBe(true);
    expect(lines[0]).toBe(
      '::error file=labs/week-04.yaml,title=ailab week-04 › write%3A The Dockerfile starts FROM python%3A3.11-slim::content does not match /^FROM python:3\\.11-slim/%0Aexpected: matches /^FROM python:3\\.11-slim/%0Aobserved: FROM python:3.12%0Ahint: Use the slim image the lab names.',
    );
    expect(lines[1]).toMatch(
      /^::error file=labs\/week-04\.yaml,title=ailab week-04%3A step build failed::Build the image: exit code 1 after 2 attempts%0AStep 3\/7/,
    );
    expect(lines[2]).toMatch(/^::error [^:]*title=ailab week-04%3A step serve errored::/);
    expect(lines.filter((l) => l.includes('The API answers /predict'))).toHaveLength(1);
    expect(lines.at(-1)).toBe(
      '::warning file=labs/week-04.yaml,title=ailab week-04%3A cleanup Remove the container::exit code 1: Error: No such container: api',
    );
    // A step that failed only through its check is not told twice.
    expect(lines.filter((l) => l.includes('step write'))).toHaveLength(0);
  });

  it('leaves the file out when the lab is outside the workspace, and names hosts in a fleet', () => {
    const text = renderAnnotations(fixtures.fleet, '/home/runner/work/course');
    expect(text).not.toContain('file=');
    expect(text).toContain('::error title=ailab week-01 @ bob%3A PyTorch sees the GPU::');
    expect(text).toContain('::error title=ailab week-01 @ gpu-c.lab%3A requires python3::not found on PATH');
  });

  it('keeps every message on one line, whatever it holds', () => {
    const text = renderAnnotations(fixtures.unicode);
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^::(error|warning) /);
    expect(text).toContain('100%25 sure%0D%0A# not a heading');
    expect(text).toContain(
      'title=ailab week-13%3A <script>alert("x")</script> & ]]> \'q\' | `tick` ``` @team %250A %3A%3Aerror%3A%3Ax::',
    );
  });

  it('warns for a failed bonus check, and prints nothing when all passed', () => {
    const bonus = run({
      lab: { id: 'b', title: 'b', file: '/x/b.yaml' },
      verify: [check({ id: 'x', title: 'Bonus', bonus: true, points: 1, status: 'fail' })],
    });
    expect(renderAnnotations([bonus])).toBe('::warning title=ailab b%3A Bonus::not as expected\n');
    expect(renderAnnotations(fixtures['all-pass'])).toBe('');
  });
});

describe('fitStepSummary', () => {
  it('keeps a summary under the limit as it is, and cuts a longer one at a line with a note', () => {
    expect(fitStepSummary('short\n', 100)).toBe('short\n');
    const long = Array.from({ length: 100 }, (_, i) => `line ${i} ${'é'.repeat(20)}`).join('\n');
    const cut = fitStepSummary(long, 1000);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1000);
    expect(cut).toMatch(/^line 0 /);
    expect(cut).toContain('(cut here: GitHub keeps at most 1 MiB of job summary');
    expect(
      cut
        .split('\n')
        .filter((l) => l.startsWith('line '))
        .every((l) => l.endsWith('é')),
    ).toBe(true);
  });
});
