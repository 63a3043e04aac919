import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { interpolate, placeholderNames, quote, quoteModeFor, shellQuote } from './interpolate.js';

const dir = mkdtempSync(join(tmpdir(), 'ailab-interpolate-'));
const marker = join(dir, 'pwned');

afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => rmSync(marker, { force: true }));

/** Values that would run a command if pasted into a shell line unquoted. */
const hostile = [
  `x'; rm -rf / #`,
  `$(touch ${marker})`,
  `\`touch ${marker}\``,
  `; touch ${marker}`,
  `&& touch ${marker}`,
  `| touch ${marker}`,
  `'$(touch ${marker})'`,
  `"; touch ${marker}; "`,
  `a\ntouch ${marker}`,
  `$'\\x27'; touch ${marker}`,
  `\${IFS}touch\${IFS}${marker}`,
  `>${marker}`,
];

/** Ordinary values whose characters the shell treats specially. */
const awkward = [
  "it's",
  '',
  '  spaced  out ',
  '$HOME',
  '*',
  '~',
  '\\',
  '"',
  '!',
  "''",
  '-n',
  'é ✓ 日本',
  'a\nb\n',
];

/**
 * Interpolate into a command and run it with a real bash. `rm` is a function that only leaves the
 * marker, so a quoting bug shows up as a marker file, not as a deleted disk.
 */
function runInBash(template: string, value: string): string {
  const command = interpolate(template, { v: value }, 'shell');
  const guard = `rm() { touch ${shellQuote(marker)}; }; `;
  return execFileSync('/bin/bash', ['-c', guard + command], { cwd: dir, encoding: 'utf8' });
}

describe('shell quoting, proved with bash', () => {
  it.each(hostile)('%j is printed, never run', (value) => {
    expect(runInBash("printf '%s' ${{ v }}", value)).toBe(value);
    expect(existsSync(marker)).toBe(false);
  });

  it.each(awkward)('%j arrives as exactly one argument, unchanged', (value) => {
    expect(runInBash('set -- ${{ v }}; printf \'%s|\' "$#" "$1"', value)).toBe(`1|${value}|`);
  });

  it('the guard does catch an unquoted value (the test can fail)', () => {
    const command = `rm() { touch ${shellQuote(marker)}; }; printf '%s' ${'x; rm -rf /nonexistent-ailab'}`;
    execFileSync('/bin/bash', ['-c', command], { cwd: dir, encoding: 'utf8' });
    expect(existsSync(marker)).toBe(true);
  });

  it('quotes inside a larger command, several placeholders at once', () => {
    const out = runInBash('for a in ${{ v }} ${{ v }}; do printf "<%s>" "$a"; done', 'a b');
    expect(out).toBe('<a b><a b>');
  });
});

describe('shellQuote', () => {
  it('leaves plain words bare and quotes the rest', () => {
    expect(shellQuote('8080')).toBe('8080');
    expect(shellQuote('models/gpt2.bin')).toBe('models/gpt2.bin');
    expect(shellQuote('key=value,x:y@z%+')).toBe('key=value,x:y@z%+');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('$HOME')).toBe("'$HOME'");
  });
});

/** Put a Python literal into a real interpreter and read back the string it makes. */
function runInPython(literal: string): string {
  const code = `import sys\nv = ${literal}\nassert isinstance(v, str)\nsys.stdout.buffer.write(v.encode('utf-8', 'surrogatepass'))`;
  return execFileSync('/usr/bin/python3', ['-c', code], { encoding: 'utf8' });
}

describe('python quoting, proved with python3', () => {
  it.each([
    ...hostile,
    ...awkward,
    '"); import os; os.system("touch PWNED"); ("',
    "'''",
    '"""',
    'C:\\path\\to\\file',
    'tab\there',
    'bell\u0007 nul\u0000 del\u007f',
    'line\u2028sep',
    '{braces} and %s and \\N{BULLET}',
  ])('%j becomes a Python string literal of the same text', (value) => {
    const literal = quote(value, 'python');
    expect(runInPython(literal)).toBe(value);
  });

  it('interpolates into a script body as literals', () => {
    const body = interpolate('print(${{ a }} + ${{ b }}, end="")', { a: "it's", b: '"ok"' }, 'python');
    expect(execFileSync('/usr/bin/python3', ['-c', body], { encoding: 'utf8' })).toBe(`it's"ok"`);
  });
});

describe('interpolate', () => {
  const values = { port: '8080', name: 'a b', empty: '' };

  it('replaces every placeholder, with or without spaces inside the braces', () => {
    expect(interpolate('${{port}} ${{ port }} ${{   port   }}', values, 'raw')).toBe('8080 8080 8080');
  });

  it('quotes by mode', () => {
    expect(interpolate('echo ${{ name }}', values, 'shell')).toBe("echo 'a b'");
    expect(interpolate('x = ${{ name }}', values, 'python')).toBe('x = "a b"');
    expect(interpolate('http://h/${{ name }}', values, 'raw')).toBe('http://h/a b');
    expect(interpolate('[${{ empty }}]', values, 'shell')).toBe("['']");
  });

  it('leaves unknown placeholders and look-alikes alone', () => {
    expect(interpolate('${{ other }} ${ port } $port {{ port }}', values, 'shell')).toBe(
      '${{ other }} ${ port } $port {{ port }}',
    );
  });

  it('does not interpolate twice: a value holding a placeholder stays literal', () => {
    expect(interpolate('${{ a }}', { a: '${{ b }}', b: 'no' }, 'raw')).toBe('${{ b }}');
  });
});

describe('placeholderNames', () => {
  it('lists the names in order, repeats included', () => {
    expect(placeholderNames('${{ a }} ${{b}} ${{ a }} ${{ 1x }} ${{ a-b }}')).toEqual(['a', 'b', 'a']);
    expect(placeholderNames('no placeholders')).toEqual([]);
  });
});

describe('quoteModeFor', () => {
  it.each([
    ['python3', 'python'],
    ['python', 'python'],
    ['python3.11 -u', 'python'],
    ['/usr/bin/python3', 'python'],
    ['/opt/venv/bin/python', 'python'],
    ['bash', 'shell'],
    ['sh -e', 'shell'],
    ['ipython', 'shell'],
    ['python3-config', 'shell'],
  ])('%s → %s', (interpreter, mode) => {
    expect(quoteModeFor(interpreter)).toBe(mode);
  });
});
