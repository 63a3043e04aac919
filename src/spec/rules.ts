// Phase 3 of loading: small named rules over a schema-valid lab, each reporting problems with positions.
import { isAbsolute, normalize, sep } from 'node:path';
import { checkModules } from '../checks/index.js';
import type { CheckModule } from '../checks/types.js';
import { compileRegex } from '../engine/match.js';
import type { SpecProblem } from '../errors.js';
import { conditionNames, parseCondition } from './condition.js';
import { BUILTIN_NAMES, PLACEHOLDER } from './interpolate.js';
import { findNode, formatPath, type ParsedYaml, position } from './parse.js';
import type { LabDocument } from './schema.js';

type Path = (string | number)[];
/** `needle`: text inside the value to point at (found in the source), else the value's start. */
type Report = (path: Path, message: string, needle?: string) => void;

export interface RuleContext {
  lab: LabDocument;
  report: Report;
  /** Whether a template exists (relative to the templates folder); absent in pure parsing. */
  templateExists?: (relativePath: string) => boolean;
}

type Rule = (ctx: RuleContext) => void;

const STEP_KINDS = ['run', 'script', 'background', 'manual'] as const;

function eachCheck(lab: LabDocument, visit: (check: Record<string, unknown>, path: Path) => void): void {
  lab.steps?.forEach((step, i) => {
    for (const [j, check] of (step.expect ?? []).entries()) {
      visit(check as Record<string, unknown>, ['steps', i, 'expect', j]);
    }
    if (step.background?.ready)
      visit(step.background.ready as Record<string, unknown>, ['steps', i, 'background', 'ready']);
  });
  for (const [i, check] of (lab.verify ?? []).entries())
    visit(check as Record<string, unknown>, ['verify', i]);
}

const oneCheckType: Rule = ({ lab, report }) => {
  const types = Object.keys(checkModules);
  eachCheck(lab, (check, path) => {
    const present = types.filter((t) => check[t] !== undefined);
    if (present.length === 0) report(path, `check has no type: add one of ${types.join(', ')}`);
    if (present.length > 1)
      report(path, `check has several types (${present.join(', ')}): write one check per type`);
    if (present.length === 1) {
      const type = present[0] as keyof typeof checkModules;
      const module: CheckModule = checkModules[type];
      for (const problem of module.lint?.(check[type]) ?? []) report([...path, type], problem);
    }
  });
};

const oneStepKind: Rule = ({ lab, report }) => {
  lab.steps?.forEach((step, i) => {
    const present = STEP_KINDS.filter((k) => step[k] !== undefined);
    if (present.length === 0)
      report(['steps', i], `step "${step.id}" does nothing: give it one of ${STEP_KINDS.join(', ')}`);
    if (present.length > 1)
      report(['steps', i], `step "${step.id}" has ${present.join(' and ')}: a step does one of them`);
  });
};

const uniqueIds: Rule = ({ lab, report }) => {
  const seen = new Map<string, number>();
  lab.steps?.forEach((step, i) => {
    if (seen.has(step.id))
      report(['steps', i, 'id'], `duplicate step id "${step.id}" (also steps[${seen.get(step.id)}])`);
    else seen.set(step.id, i);
  });
  const checkIds = new Map<string, string>();
  eachCheck(lab, (check, path) => {
    if (typeof check.id !== 'string') return;
    const where = formatPath(path);
    const first = checkIds.get(check.id);
    if (first) report([...path, 'id'], `duplicate check id "${check.id}" (also ${first})`);
    else checkIds.set(check.id, where);
  });
};

function knownNames(lab: LabDocument): Set<string> {
  return new Set([...Object.keys(lab.vars ?? {}), ...Object.keys(lab.choices ?? {}), ...BUILTIN_NAMES]);
}

const conditionsRead: Rule = ({ lab, report }) => {
  const names = knownNames(lab);
  walk(lab, [], (value, path) => {
    if (path[path.length - 1] !== 'when' || typeof value !== 'string') return;
    const parsed = parseCondition(value);
    if (typeof parsed === 'string') return report(path, parsed);
    for (const name of conditionNames(parsed)) {
      if (!names.has(name))
        report(path, `condition uses "${name}", which is not a var or choice of this lab`);
    }
  });
};

const placeholdersKnown: Rule = ({ lab, report }) => {
  const names = knownNames(lab);
  walk(lab, [], (value, path) => {
    if (typeof value !== 'string') return;
    for (const [placeholder, name] of value.matchAll(PLACEHOLDER)) {
      if (!names.has(name)) {
        const known = [...names].join(', ');
        report(path, `\${{ ${name} }} is not a var or choice of this lab (known: ${known})`, placeholder);
      }
    }
  });
};

const REGEX_KEYS = new Set(['matches', 'not_matches', 'pattern']);

const regexesCompile: Rule = ({ lab, report }) => {
  walk(lab, [], (value, path) => {
    const key = path[path.length - 1];
    const parentKey = path[path.length - 2];
    const isRegex =
      REGEX_KEYS.has(String(key)) || (typeof key === 'number' && REGEX_KEYS.has(String(parentKey)));
    if (!isRegex || typeof value !== 'string') return;
    try {
      // Compile as the engine does: checks take a leading (?i); a var's pattern is a plain RegExp.
      if (path[0] === 'vars') new RegExp(value);
      else compileRegex(value);
    } catch (error) {
      const reason = (error as Error).message.replace(/^Invalid regular expression: /, '');
      report(path, `invalid regular expression: ${reason}`);
    }
  });
};

const choiceDefaults: Rule = ({ lab, report }) => {
  for (const [name, choice] of Object.entries(lab.choices ?? {})) {
    const values = choice.options.map((o) => (typeof o === 'string' ? o : o.value));
    if (choice.default !== undefined && !values.includes(choice.default)) {
      report(['choices', name, 'default'], `default "${choice.default}" is not one of ${values.join(', ')}`);
    }
  }
};

function escapes(relativePath: string): boolean {
  if (isAbsolute(relativePath)) return true;
  const n = normalize(relativePath);
  return n === '..' || n.startsWith(`..${sep}`);
}

const filesStayInside: Rule = ({ lab, report, templateExists }) => {
  lab.files?.forEach((file, i) => {
    if (escapes(file.template)) {
      report(['files', i, 'template'], `template path "${file.template}" leaves the templates folder`);
    } else if (templateExists && !templateExists(file.template)) {
      report(['files', i, 'template'], `template "${file.template}" not found in the templates folder`);
    }
    if (escapes(file.to)) report(['files', i, 'to'], `"${file.to}" leaves the run's work folder`);
  });
};

export const rules: Record<string, Rule> = {
  oneCheckType,
  oneStepKind,
  uniqueIds,
  conditionsRead,
  placeholdersKnown,
  regexesCompile,
  choiceDefaults,
  filesStayInside,
};

/** Run every rule; returns all problems, each with file:line:col. */
export function checkRules(
  lab: LabDocument,
  yaml: ParsedYaml,
  file: string,
  templateExists?: (relativePath: string) => boolean,
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const report: Report = (path, message, needle) => {
    const node = findNode(yaml.doc, path);
    const range = node?.range;
    const at = needle && range ? yaml.text.slice(range[0], range[1]).indexOf(needle) : -1;
    const pos = at >= 0 && range ? lineCol(yaml, range[0] + at) : position(yaml, node);
    problems.push({ file, ...pos, path: formatPath(path), message });
  };
  for (const rule of Object.values(rules)) rule({ lab, report, templateExists });
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

function lineCol(yaml: ParsedYaml, offset: number): { line: number; column: number } {
  const pos = yaml.lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function walk(value: unknown, path: Path, visit: (value: unknown, path: Path) => void): void {
  visit(value, path);
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) walk(v, [...path, i], visit);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) walk(v, [...path, k], visit);
  }
}
