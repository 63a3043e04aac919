// ${{ name }} placeholders. Into a shell command a value goes single-quoted, so no value can
// inject a command; into a Python script as a string literal; into templates, URLs and paths as is.

export type QuoteMode = 'shell' | 'python' | 'raw';

export const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Names the vars and choices that `${{ ... }}` refers to, ailab's own names included. */
export const BUILTIN_NAMES = ['workdir', 'lab', 'run_id'] as const;

export function shellQuote(value: string): string {
  if (value !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function quote(value: string, mode: QuoteMode): string {
  if (mode === 'shell') return shellQuote(value);
  if (mode === 'python') return JSON.stringify(value);
  return value;
}

/** Names used in placeholders, for the loader's "unknown variable" rule. */
export function placeholderNames(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

export function interpolate(text: string, values: Record<string, string>, mode: QuoteMode): string {
  return text.replace(PLACEHOLDER, (whole, name: string) =>
    name in values ? quote(values[name], mode) : whole,
  );
}

/** The quoting a script body needs, from its interpreter. */
export function quoteModeFor(interpreter: string): QuoteMode {
  return /(^|\/)python[0-9.]*$/.test(interpreter.split(/\s+/)[0]) ? 'python' : 'shell';
}
