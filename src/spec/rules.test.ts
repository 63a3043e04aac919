import { describe, expect, it } from 'vitest';
import { checkTypes } from '../checks/index.js';
import { parseLabText } from './parse.js';
import { checkRules, rules } from './rules.js';

const HEAD = 'id: lab\ntitle: A lab\n';
/** The registry's check types, as the messages list them. */
const types = checkTypes.join(', ');

/** The rule problems of a schema-valid lab, as `line:col message (path)`. */
function ruleProblems(body: string, templateExists?: (path: string) => boolean): string[] {
  const parsed = parseLabText(HEAD + body, 'lab.yaml');
  expect(parsed.problems, 'the test lab must pass the schema').toEqual([]);
  return checkRules(parsed.lab!, parsed.yaml!, 'lab.yaml', templateExists).map(
    (p) => `${p.line}:${p.column} ${p.message} (${p.path})`,
  );
}

describe('the rules registry', () => {
  it('holds one named function per rule', () => {
    expect(Object.keys(rules).sort()).toEqual(
      [
        'choiceDefaults',
        'conditionsRead',
        'filesStayInside',
        'oneCheckType',
        'oneStepKind',
        'placeholdersKnown',
        'regexesCompile',
        'uniqueIds',
      ].sort(),
    );
  });

  it('finds nothing wrong in a sound lab', () => {
    const body = `vars: { port: 8080 }
choices:
  cloud: { prompt: Which cloud?, options: [aws, gcp], default: gcp }
files:
  - { template: app/server.py, to: server.py }
steps:
  - id: serve
    background:
      run: python3 server.py --port \${{ port }}
      ready: { port: { port: '\${{ port }}' } }
    when: cloud == gcp
verify:
  - id: up
    http: { url: 'http://127.0.0.1:\${{ port }}/', body: { matches: '(?i)^ok' } }
cleanup:
  - run: rm -rf \${{ workdir }}/cache
`;
    expect(ruleProblems(body, () => true)).toEqual([]);
  });
});

describe('oneCheckType', () => {
  it('wants a type in every check: expect, verify and background ready', () => {
    const body = `steps:
  - id: a
    background:
      run: x
      ready: { within: 5s }
    expect:
      - title: nothing
verify:
  - points: 2
`;
    expect(ruleProblems(body)).toEqual([
      `7:14 check has no type: add one of ${types} (steps[0].background.ready)`,
      `9:9 check has no type: add one of ${types} (steps[0].expect[0])`,
      `11:5 check has no type: add one of ${types} (verify[0])`,
    ]);
  });

  it('wants one type, not several', () => {
    const body = 'verify:\n  - command: { run: x }\n    port: { port: 80 }\n    file: { path: a }\n';
    expect(ruleProblems(body)).toEqual([
      '4:5 check has several types (command, file, port): write one check per type (verify[0])',
    ]);
  });
});

describe('oneStepKind', () => {
  it.each([
    ['run', 'run: x'],
    ['script', 'script: { body: x }'],
    ['background', 'background: { run: x }'],
    ['manual', 'manual: Open the console.'],
  ])('takes a step with only %s', (_kind, line) => {
    expect(ruleProblems(`steps:\n  - id: a\n    ${line}\n`)).toEqual([]);
  });

  it('refuses a step with none, and one with two', () => {
    const body = `steps:
  - id: idle
  - id: both
    manual: Do it by hand.
    script: { body: x }
`;
    expect(ruleProblems(body)).toEqual([
      '4:5 step "idle" does nothing: give it one of run, script, background, manual (steps[0])',
      '5:5 step "both" has script and manual: a step does one of them (steps[1])',
    ]);
  });
});

describe('uniqueIds', () => {
  it('refuses a step id used twice, at the second', () => {
    const body = 'steps:\n  - id: a\n    run: x\n  - id: b\n    run: y\n  - id: a\n    run: z\n';
    expect(ruleProblems(body)).toEqual(['8:9 duplicate step id "a" (also steps[0]) (steps[2].id)']);
  });

  it('refuses a check id used twice anywhere in the lab', () => {
    const body = `steps:
  - id: a
    run: x
    expect:
      - { id: up, port: { port: 1 } }
verify:
  - { id: up, port: { port: 2 } }
`;
    expect(ruleProblems(body)).toEqual([
      '9:11 duplicate check id "up" (also steps[0].expect[0]) (verify[0].id)',
    ]);
  });

  it('lets checks go without ids, and a check share an id with a step', () => {
    const body = `steps:
  - id: serve
    run: x
    expect:
      - port: { port: 1 }
      - port: { port: 1 }
verify:
  - { id: serve, port: { port: 1 } }
`;
    expect(ruleProblems(body)).toEqual([]);
  });
});

describe('conditionsRead', () => {
  const choices = 'choices:\n  cloud: { prompt: p, options: [aws, gcp] }\nvars: { gpu: "no" }\n';

  it('takes conditions on vars, choices and built-in names', () => {
    const body = `${choices}steps:
  - id: a
    run: x
    when: cloud == aws && !gpu || lab != 'week-00'
cleanup:
  - run: y
    when: gpu
`;
    expect(ruleProblems(body)).toEqual([]);
  });

  it('refuses a name that is not a var or choice, in steps, checks and cleanup', () => {
    const body = `${choices}steps:
  - id: a
    run: x
    when: clod == aws
    expect:
      - { port: { port: 1 }, when: gpu || has_gpu }
cleanup:
  - run: y
    when: '!region'
`;
    expect(ruleProblems(body)).toEqual([
      '9:11 condition uses "clod", which is not a var or choice of this lab (steps[0].when)',
      '11:36 condition uses "has_gpu", which is not a var or choice of this lab (steps[0].expect[0].when)',
      '14:11 condition uses "region", which is not a var or choice of this lab (cleanup[0].when)',
    ]);
  });

  it('refuses a condition it cannot read', () => {
    const body = `${choices}verify:\n  - { port: { port: 1 }, when: cloud = aws }\n`;
    expect(ruleProblems(body)).toEqual([
      '7:32 cannot read condition "cloud = aws": write name == value, name != value, name or !name (verify[0].when)',
    ]);
  });
});

describe('placeholdersKnown', () => {
  it('takes vars, choices and built-in names', () => {
    const body = `vars: { port: 1 }
choices: { cloud: { prompt: p, options: [aws, gcp] } }
steps:
  - id: a
    run: echo \${{ port }} \${{cloud}} \${{ workdir }} \${{ lab }} \${{ run_id }}
`;
    expect(ruleProblems(body)).toEqual([]);
  });

  it('points at each unknown placeholder inside its string', () => {
    const body = `vars: { port: 1 }
steps:
  - id: a
    run: |
      echo starting
      curl http://\${{ host }}:\${{ port }}/ -H "X: \${{ tok }}"
`;
    expect(ruleProblems(body)).toEqual([
      '8:19 ${{ host }} is not a var or choice of this lab (known: port, workdir, lab, run_id) (steps[0].run)',
      '8:51 ${{ tok }} is not a var or choice of this lab (known: port, workdir, lab, run_id) (steps[0].run)',
    ]);
  });

  it('looks in check options, env, files and cleanup too', () => {
    const body = `files:
  - { template: a.txt, to: '\${{ dest }}/a.txt' }
steps:
  - id: a
    run: x
    env: { TOKEN: '\${{ token }}' }
verify:
  - file: { path: '\${{ out }}' }
cleanup:
  - run: rm \${{ tmp }}
`;
    expect(ruleProblems(body).map((p) => p.replace(/ \(known: [^)]*\)/, ''))).toEqual([
      '4:29 ${{ dest }} is not a var or choice of this lab (files[0].to)',
      '8:20 ${{ token }} is not a var or choice of this lab (steps[0].env.TOKEN)',
      '10:20 ${{ out }} is not a var or choice of this lab (verify[0].file.path)',
      '12:13 ${{ tmp }} is not a var or choice of this lab (cleanup[0].run)',
    ]);
  });
});

describe('regexesCompile', () => {
  it('refuses a regex that does not compile, in a string or a list', () => {
    const body = `verify:
  - command:
      run: x
      stdout: { matches: ['^ok', '(open'] }
      stderr: { not_matches: '[z-a]' }
  - process: { pattern: '*python' }
`;
    expect(ruleProblems(body)).toEqual([
      '6:34 invalid regular expression: /(open/m: Unterminated group (verify[0].command.stdout.matches[1])',
      '7:30 invalid regular expression: /[z-a]/m: Range out of order in character class (verify[0].command.stderr.not_matches)',
      '8:25 invalid regular expression: /*python/m: Nothing to repeat (verify[1].process.pattern)',
    ]);
  });

  it('takes a leading (?i) in a check, as the engine does', () => {
    expect(ruleProblems("verify:\n  - command: { run: x, stdout: { matches: '(?i)^ready' } }\n")).toEqual([]);
  });

  it("checks a var's pattern as a plain regex", () => {
    expect(ruleProblems("vars:\n  port: { default: 1, pattern: '^[0-9' }\n")).toEqual([
      '4:32 invalid regular expression: /^[0-9/: Unterminated character class (vars.port.pattern)',
    ]);
    expect(ruleProblems("vars:\n  port: { default: 1, pattern: '(?i)^x' }\n")).toHaveLength(1);
  });
});

describe('choiceDefaults', () => {
  it('wants a default among the options, plain or labelled', () => {
    const body = `choices:
  cloud: { prompt: p, options: [aws, gcp], default: azure }
  path: { prompt: p, options: [{ value: a, label: Path A }, { value: b }], default: b }
`;
    expect(ruleProblems(body)).toEqual([
      '4:53 default "azure" is not one of aws, gcp (choices.cloud.default)',
    ]);
  });
});

describe('filesStayInside', () => {
  it('keeps templates inside the templates folder and outputs inside the work folder', () => {
    const body = `files:
  - { template: ../secrets.txt, to: ok.txt }
  - { template: /etc/passwd, to: ok.txt }
  - { template: a/../../b, to: ok.txt }
  - { template: ok.txt, to: ../../out.txt }
  - { template: ok.txt, to: /tmp/out.txt }
  - { template: a/../ok.txt, to: sub/../ok.txt }
`;
    expect(ruleProblems(body, () => true)).toEqual([
      '4:17 template path "../secrets.txt" leaves the templates folder (files[0].template)',
      '5:17 template path "/etc/passwd" leaves the templates folder (files[1].template)',
      '6:17 template path "a/../../b" leaves the templates folder (files[2].template)',
      `7:29 "../../out.txt" leaves the run's work folder (files[3].to)`,
      `8:29 "/tmp/out.txt" leaves the run's work folder (files[4].to)`,
    ]);
  });

  it('asks whether each template exists, when it can', () => {
    const asked: string[] = [];
    const exists = (path: string) => {
      asked.push(path);
      return path === 'week-04/app.py';
    };
    const body =
      'files:\n  - { template: week-04/app.py, to: app.py }\n  - { template: week-04/gone.py, to: b.py }\n';
    expect(ruleProblems(body, exists)).toEqual([
      '5:17 template "week-04/gone.py" not found in the templates folder (files[1].template)',
    ]);
    expect(asked).toEqual(['week-04/app.py', 'week-04/gone.py']);
    // Pure parsing has no templates folder at hand: the rule then says nothing about existence.
    expect(ruleProblems(body)).toEqual([]);
  });
});

describe('checkRules', () => {
  it('reports the problems of every rule together, in file order', () => {
    const body = `verify:
  - { id: a, command: { run: '\${{ nope }}' } }
steps:
  - id: s
choices:
  c: { prompt: p, options: [x, y], default: z }
`;
    const problems = ruleProblems(body);
    expect(problems.map((p) => p.split(' ')[0])).toEqual(['4:31', '6:5', '8:45']);
    expect(problems[0]).toContain('${{ nope }}');
    expect(problems[1]).toContain('does nothing');
    expect(problems[2]).toContain('default "z"');
  });
});
