// Phase 1 of loading: bytes → YAML document → zod-validated object, every problem with file:line:col.
// Pure: no file system here (load.ts reads files and checks templates).
import { type Document, isMap, isPair, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { checkModules } from '../checks/index.js';
import type { SpecProblem } from '../errors.js';
import { type LabDocument, labSchema } from './schema.js';

export const MAX_SPEC_BYTES = 1024 * 1024;
const MAX_ALIASES = 100;

export interface ParsedYaml {
  doc: Document.Parsed;
  lines: LineCounter;
  value: unknown;
}

export interface ParseResult {
  lab?: LabDocument;
  yaml?: ParsedYaml;
  problems: SpecProblem[];
}

/** Parse and validate a lab spec's text; returns the document or every problem found. */
export function parseLabText(input: string | Uint8Array, file: string): ParseResult {
  const at = (line: number, column: number, message: string, path = ''): SpecProblem => ({
    file,
    line,
    column,
    path,
    message,
  });
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > MAX_SPEC_BYTES) {
    return {
      problems: [at(1, 1, `file is ${(size / 1024 / 1024).toFixed(1)} MiB; a lab spec may be at most 1 MiB`)],
    };
  }
  const text = typeof input === 'string' ? input : decodeUtf8(input);
  if (typeof text !== 'string')
    return { problems: [at(text.line, text.column, 'file is not valid UTF-8 text')] };
  if (text.trim() === '' || /^(\s*#.*\n?)*\s*$/.test(text))
    return { problems: [at(1, 1, 'file is empty: a lab needs at least id and title')] };

  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    uniqueKeys: true,
    prettyErrors: false,
    strict: true,
  });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return at(pos.line, pos.col, yamlMessage(e.code, e.message));
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    const message = /alias/i.test(String(error))
      ? `too many YAML aliases (more than ${MAX_ALIASES} expansions): refused as a possible alias bomb`
      : `cannot read YAML: ${(error as Error).message}`;
    return { problems: [at(1, 1, message)] };
  }
  const yaml: ParsedYaml = { doc, lines, value };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { yaml, problems: [at(1, 1, 'a lab spec must be a YAML mapping (id: …, title: …, steps: …)')] };
  }
  const result = labSchema.safeParse(value);
  if (!result.success) {
    return {
      yaml,
      problems: flattenIssues(result.error.issues).map((issue) => problemFromIssue(issue, yaml, file)),
    };
  }
  return { lab: result.data, yaml, problems: [] };
}

function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+.*$/, '');
  if (code === 'TAB_AS_INDENT') return 'tab used for indentation: YAML indents with spaces';
  if (code === 'DUPLICATE_KEY') return 'duplicate key: each key may appear once in a mapping';
  return `YAML syntax error: ${first}`;
}

function decodeUtf8(bytes: Uint8Array): string | { line: number; column: number } {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Find the first byte that is not valid UTF-8 to point at it.
    let good = 0;
    for (let end = bytes.length; good < end; ) {
      const mid = Math.ceil((good + end) / 2);
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid));
        good = mid;
      } catch {
        end = mid - 1;
      }
    }
    const before = new TextDecoder().decode(bytes.subarray(0, good));
    const lines = before.split('\n');
    return { line: lines.length, column: lines[lines.length - 1].length + 1 };
  }
}

type Issue = z.core.$ZodIssue;

/** Unions report "Invalid input"; dig out the branch that matches the value's shape. */
function flattenIssues(issues: readonly Issue[], prefix: PropertyKey[] = []): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const branches = issue.errors.filter((branch) => !isTypeMismatchAtRoot(branch));
      const chosen = branches.length === 1 ? branches[0] : undefined;
      if (chosen) {
        out.push(...flattenIssues(chosen, path));
        continue;
      }
    }
    out.push({ ...issue, path } as Issue);
  }
  return out;
}

function isTypeMismatchAtRoot(branch: readonly Issue[]): boolean {
  return branch.length === 1 && branch[0].code === 'invalid_type' && branch[0].path.length === 0;
}

const CHECK_COMMON = [
  'id',
  'title',
  'points',
  'required',
  'bonus',
  'hint',
  'within',
  'interval',
  'timeout',
  'when',
  'requires',
];

function problemFromIssue(issue: Issue, yaml: ParsedYaml, file: string): SpecProblem {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const where = formatPath(path);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    const node = findKeyNode(yaml.doc, path, key) ?? findNode(yaml.doc, path);
    const pos = position(yaml, node);
    const isCheck = looksLikeCheckPath(path);
    const known = isCheck ? [...CHECK_COMMON, ...Object.keys(checkModules)] : knownKeysAt(yaml.value, path);
    const suggestion = closest(key, known);
    const what = isCheck ? 'unknown check type or field' : 'unknown field';
    const more = issue.keys.length > 1 ? ` (also: ${issue.keys.slice(1).join(', ')})` : '';
    const hint = suggestion
      ? `; did you mean "${suggestion}"?`
      : isCheck
        ? `; check types: ${Object.keys(checkModules).join(', ')}`
        : '';
    return { file, ...pos, path: where, message: `${what} "${key}"${more}${hint}` };
  }
  const node = findNode(yaml.doc, path);
  if (!node) {
    // A required field is missing: point at the mapping that lacks it.
    const parent = findNode(yaml.doc, path.slice(0, -1));
    const name = path[path.length - 1];
    return {
      file,
      ...position(yaml, parent),
      path: where,
      message: `missing required field "${String(name)}"`,
    };
  }
  return { file, ...position(yaml, node), path: where, message: zodMessage(issue) };
}

function zodMessage(issue: Issue): string {
  if (issue.code === 'invalid_type') {
    const received = /received (\w+)/.exec(issue.message)?.[1];
    return `expected ${issue.expected}${received ? `, got ${received}` : ''}`;
  }
  if (issue.code === 'invalid_value')
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'invalid_format' && 'pattern' in issue)
    return `expected ${issue.message.replace(/^Invalid string: /, '')}`;
  return issue.message.replace(/^Invalid input: /, '');
}

function looksLikeCheckPath(path: (string | number)[]): boolean {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  return (typeof last === 'number' && (parent === 'expect' || parent === 'verify')) || last === 'ready';
}

function knownKeysAt(root: unknown, path: (string | number)[]): string[] {
  // The schema knows the keys; for suggestions the common lab/step fields are enough.
  void root;
  if (path.length === 0)
    return [
      'id',
      'week',
      'title',
      'goal',
      'duration',
      'cost',
      'requires',
      'vars',
      'choices',
      'files',
      'steps',
      'cleanup',
      'verify',
      'pass_threshold',
    ];
  if (path[0] === 'steps' && path.length === 2)
    return [
      'id',
      'title',
      'description',
      'run',
      'script',
      'background',
      'manual',
      'timeout',
      'retries',
      'retry_delay',
      'continue_on_error',
      'env',
      'cwd',
      'when',
      'confirm',
      'requires',
      'expect',
    ];
  return [];
}

/** Levenshtein distance ≤ 2 (or a case-only difference) picks a suggestion. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === word.toLowerCase() ? 0 : distance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

export function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

export function findNode(doc: Document, path: (string | number)[]): Node | undefined {
  if (path.length === 0) return doc.contents ?? undefined;
  const node = doc.getIn(path, true);
  return node && typeof node === 'object' && 'range' in (node as object) ? (node as Node) : undefined;
}

function findKeyNode(doc: Document, path: (string | number)[], key: string): Node | undefined {
  const map = findNode(doc, path);
  if (!isMap(map)) return undefined;
  for (const item of map.items) {
    if (isPair(item) && isScalar(item.key) && String(item.key.value) === key) return item.key;
  }
  return undefined;
}

/** Line and column (1-based) of a node, or of the document start. */
export function position(yaml: ParsedYaml, node: Node | undefined | null): { line: number; column: number } {
  const offset = node?.range?.[0] ?? 0;
  const pos = yaml.lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}
