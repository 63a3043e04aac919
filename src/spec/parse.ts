// Phase 1 of loading: bytes → YAML document → zod-validated object, every problem with file:line:col.
// Pure: no file system here (load.ts reads files and checks templates).
import {
  type Document,
  isCollection,
  isMap,
  isPair,
  isScalar,
  LineCounter,
  type Node,
  parseDocument,
  visit,
  type YAMLError,
} from 'yaml';
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
  /** The source text, to point inside a value (a placeholder in a long command). */
  text: string;
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
  if (onlyComments(text)) return { problems: [at(1, 1, 'file is empty: a lab needs at least id and title')] };

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
        // The parser reports an unclosed [ { or quote where it gave up (often the end of the file);
        // the learner needs the place it was opened.
        const opener = unclosedOpener(doc, e);
        const pos = lines.linePos(opener?.range?.[0] ?? e.pos[0]);
        return at(pos.line, pos.col, yamlMessage(e.code, e.message, opener));
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    const bomb = /alias/i.test(String(error));
    const message = bomb
      ? `too many YAML aliases (more than ${MAX_ALIASES} expansions): refused as a possible alias bomb`
      : `cannot read YAML: ${(error as Error).message}`;
    // Point at the first alias (*name): that is where the expansion starts.
    const pos = bomb ? lines.linePos(firstAlias(doc)?.range?.[0] ?? 0) : { line: 1, col: 1 };
    return { problems: [at(pos.line, pos.col, message)] };
  }
  const yaml: ParsedYaml = { doc, lines, value, text };
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

function yamlMessage(code: string, message: string, opener?: Node): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+.*$/, '');
  if (code === 'TAB_AS_INDENT') return 'tab used for indentation: YAML indents with spaces';
  if (code === 'DUPLICATE_KEY') return 'duplicate key: each key may appear once in a mapping';
  if (code === 'MULTIPLE_DOCS')
    return 'YAML syntax error: a lab file holds one YAML document (remove the ---)';
  if (isCollection(opener)) {
    const [open, close] = isMap(opener) ? ['{', '}'] : ['[', ']'];
    return `YAML syntax error: the ${open} opened here is never closed with ${close}`;
  }
  if (isScalar(opener)) {
    const quote = opener.type === 'QUOTE_DOUBLE' ? '"' : "'";
    return `YAML syntax error: the ${quote} opened here is never closed`;
  }
  return `YAML syntax error: ${first}`;
}

/** For an unclosed flow collection or quoted string, the innermost node that was left open. */
function unclosedOpener(doc: Document.Parsed, error: YAMLError): Node | undefined {
  const flow = error.code === 'BAD_INDENT' && /^Flow (sequence|map)/.test(error.message);
  const quote = error.code === 'MISSING_CHAR' && /closing .?quote/i.test(error.message);
  if (!flow && !quote) return undefined;
  let found: Node | undefined;
  visit(doc, (_key, node) => {
    // Empty values (`key:`) are visited as null.
    const range = node && typeof node === 'object' ? (node as Node).range : undefined;
    if (!range || range[0] >= error.pos[0] || range[1] < error.pos[0]) return;
    const open = flow
      ? isCollection(node) && node.flow === true
      : isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE');
    if (open && (!found || range[0] > (found.range?.[0] ?? -1))) found = node as Node;
  });
  return found;
}

function firstAlias(doc: Document.Parsed): Node | undefined {
  let found: Node | undefined;
  visit(doc, {
    Alias(_key, node) {
      found = node;
      return visit.BREAK;
    },
  });
  return found;
}

/** Blank or comment lines only. Line by line: a regex over the whole text backtracks exponentially
 * on a comment banner such as `# ####…`. */
function onlyComments(text: string): boolean {
  return text.split('\n').every((line) => {
    const trimmed = line.trim();
    return trimmed === '' || trimmed.startsWith('#');
  });
}

function decodeUtf8(bytes: Uint8Array): string | { line: number; column: number } {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Point at the first byte that is not valid UTF-8 (a linear scan: a prefix cut inside a valid
    // character fails to decode too, so searching by prefixes would land on the wrong byte).
    const bad = firstInvalidUtf8(bytes);
    const lines = new TextDecoder().decode(bytes.subarray(0, bad)).split('\n');
    return { line: lines.length, column: lines[lines.length - 1].length + 1 };
  }
}

/** Index of the first byte of the first ill-formed UTF-8 sequence (RFC 3629), or the length. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    const size =
      b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (size === 0) return i;
    // The second byte's range excludes overlong forms, surrogates and code points above U+10FFFF.
    const [low, high] =
      b === 0xe0
        ? [0xa0, 0xbf]
        : b === 0xed
          ? [0x80, 0x9f]
          : b === 0xf0
            ? [0x90, 0xbf]
            : b === 0xf4
              ? [0x80, 0x8f]
              : [0x80, 0xbf];
    for (let k = 1; k < size; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? low : 0x80) || c > (k === 1 ? high : 0xbf)) return i;
    }
    i += size;
  }
  return i;
}

type Issue = z.core.$ZodIssue;

/** Unions report "Invalid input"; dig out the branch that matches the value's shape. */
function flattenIssues(issues: readonly Issue[], prefix: PropertyKey[] = []): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const expected = issue.errors.map(expectedTypesAtRoot);
      if (expected.every((types) => types !== undefined)) {
        // No branch took the value's type at all: say which types would do.
        const types = [...new Set(expected.flat())] as string[];
        const received = /received (\w+)/.exec(firstLeaf(issue).message)?.[1];
        const list = types.length > 1 ? `${types.slice(0, -1).join(', ')} or ${types.at(-1)}` : types[0];
        const message = `expected ${list}${received ? `, got ${received}` : ''}`;
        out.push({ code: 'custom', path, message, input: undefined } as Issue);
        continue;
      }
      const branches = issue.errors.filter((_branch, i) => expected[i] === undefined);
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

/** The types a union branch wanted when it refused the value's type outright, else undefined. */
function expectedTypesAtRoot(branch: readonly Issue[]): string[] | undefined {
  if (branch.length !== 1 || branch[0].path.length !== 0) return undefined;
  const issue = branch[0];
  if (issue.code === 'invalid_type') return [issue.expected];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const nested = issue.errors.map(expectedTypesAtRoot);
    return nested.every((types) => types !== undefined) ? (nested.flat() as string[]) : undefined;
  }
  return undefined;
}

function firstLeaf(issue: Issue): Issue {
  return issue.code === 'invalid_union' && issue.errors[0]?.[0] ? firstLeaf(issue.errors[0][0]) : issue;
}

function problemFromIssue(issue: Issue, yaml: ParsedYaml, file: string): SpecProblem {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const where = formatPath(path);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    const node = findKeyNode(yaml.doc, path, key) ?? findNode(yaml.doc, path);
    const pos = position(yaml, node);
    const isCheck = looksLikeCheckPath(path);
    const known = knownKeysAt(path);
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
  if (issue.code === 'invalid_key') {
    // A bad name in a map of names (vars, choices): point at the name, not at its value.
    const name = String(path[path.length - 1]);
    const node = findKeyNode(yaml.doc, path.slice(0, -1), name) ?? findNode(yaml.doc, path);
    const inner = issue.issues[0];
    const why = inner ? `: ${zodMessage(inner as Issue)}` : '';
    return { file, ...position(yaml, node), path: where, message: `invalid name "${name}"${why}` };
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
    if (issue.expected === 'int') return 'expected a whole number';
    return `expected ${issue.expected}${received ? `, got ${received}` : ''}`;
  }
  if (issue.code === 'invalid_value')
    return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'invalid_format' && 'pattern' in issue) {
    // A pattern without its own message reads "Invalid string: must match pattern /…/".
    const custom = issue.message.replace(/^Invalid string: /, '');
    return custom.startsWith('must match pattern')
      ? `expected text matching ${issue.pattern}`
      : `expected ${custom}`;
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const small = issue.code === 'too_small';
    const bound = Number(small ? issue.minimum : issue.maximum);
    const op = `${small ? '>' : '<'}${issue.inclusive ? '=' : ''}`;
    if (issue.origin === 'array' || issue.origin === 'set')
      return `expected ${small ? 'at least' : 'at most'} ${bound} item${bound === 1 ? '' : 's'}`;
    if (issue.origin === 'string')
      return small && bound === 1
        ? 'expected a non-empty string'
        : `expected ${small ? 'at least' : 'at most'} ${bound} character${bound === 1 ? '' : 's'}`;
    return `expected a number ${op} ${bound}`;
  }
  return issue.message.replace(/^Invalid input: /, '');
}

function looksLikeCheckPath(path: (string | number)[]): boolean {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  return (typeof last === 'number' && (parent === 'expect' || parent === 'verify')) || last === 'ready';
}

/** The keys the schema allows at a path, for "did you mean" suggestions (no second list to keep). */
function knownKeysAt(path: (string | number)[]): string[] {
  let schemas: ZodDef[] = [defOf(labSchema)];
  for (const segment of path) {
    schemas = schemas.flatMap(unwrap).flatMap((def): ZodDef[] => {
      if (def.type === 'object' && typeof segment === 'string' && def.shape?.[segment])
        return [defOf(def.shape[segment])];
      if (def.type === 'array' && typeof segment === 'number' && def.element) return [defOf(def.element)];
      if (def.type === 'record' && def.valueType) return [defOf(def.valueType)];
      return [];
    });
  }
  const keys = schemas
    .flatMap(unwrap)
    .flatMap((def) => (def.type === 'object' ? Object.keys(def.shape ?? {}) : []));
  return [...new Set(keys)];
}

/** The parts of zod's internal definitions that knownKeysAt walks. */
interface ZodDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
}

function defOf(schema: z.ZodType): ZodDef {
  return (schema as unknown as { _zod: { def: ZodDef } })._zod.def;
}

/** Through optional, default, pipe and union wrappers to the schemas that hold a value's shape. */
function unwrap(def: ZodDef): ZodDef[] {
  if (def.innerType) return unwrap(defOf(def.innerType));
  if (def.type === 'pipe' && def.in) return unwrap(defOf(def.in));
  if (def.type === 'union' && def.options) return def.options.flatMap((o) => unwrap(defOf(o)));
  return [def];
}

/** Levenshtein distance ≤ 2 (or a case-only difference) picks a suggestion; on a tie, the longer
 * shared start wins (`cpu` → `cpus`, not `gpu`). */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  let bestPrefix = -1;
  // Two edits remake most of a word of three letters (foo → pod): those get one.
  const allowed = word.length <= 3 ? 1 : 2;
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === word.toLowerCase() ? 0 : distance(word, candidate);
    const prefix = sharedPrefix(word, candidate);
    if (d > allowed) continue;
    if (d < bestDistance || (d === bestDistance && prefix > bestPrefix)) {
      best = candidate;
      bestDistance = d;
      bestPrefix = prefix;
    }
  }
  return best;
}

function sharedPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
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
