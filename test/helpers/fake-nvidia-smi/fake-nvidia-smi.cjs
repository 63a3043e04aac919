// A stand-in for nvidia-smi on machines without a GPU. Put this folder first on PATH and name a
// scenario in AILAB_FAKE_NVIDIA_SMI; it replays the real captures in ../shared/fixtures/nvidia-smi
// (AILAB_FAKE_NVIDIA_SMI_FIXTURES overrides the folder) and answers only what was captured:
//   h100, h100-load  the H100 SXM 590.48.01 capture: --query-gpu (any subset of its 212 columns, with
//                    or without header and units, -i, -l/-lms loops), -L, the default table, and
//                    --query-compute-apps projected from the table's process list (none when idle)
//   a100-mig, a10g, t4   the telegraf XML captures: -q -x
//   no-driver, version-mismatch, no-devices, gpu-lost   each failure's message and exit code
// AILAB_FAKE_NVIDIA_SMI_REJECT=compute_cap,clocks_event_reasons.*  makes it reject those query fields
// as a driver ≤ 470 does (`Field "X" is not a valid field to query.`, exit 2).
// What it adds to the captures: `timestamp` is the time of the call (a replayed past time would never
// fall inside a run), and nvidia-smi's documented field aliases (clocks.sm …) resolve to their columns.
// Anything not captured prints "fake nvidia-smi: …" and exits 99, so a test never mistakes it for data.
'use strict';
const { readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const FIXTURES =
  process.env.AILAB_FAKE_NVIDIA_SMI_FIXTURES ?? resolve(__dirname, '../../../../shared/fixtures/nvidia-smi');
const scenario = process.env.AILAB_FAKE_NVIDIA_SMI ?? '';
const args = process.argv.slice(2);

function out(text, code = 0) {
  process.stdout.write(text);
  process.exitCode = code;
}

function notCaptured(what) {
  process.stderr.write(`fake nvidia-smi: no capture of \`nvidia-smi ${what}\` in scenario "${scenario}"\n`);
  process.exitCode = 99;
}

// Failures: messages and exit codes from the reference's failure table (stdout, as nvidia-smi prints them).
const FAILURES = {
  'no-driver': [
    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n\n",
    9,
  ],
  'version-mismatch': [
    'Failed to initialize NVML: Driver/library version mismatch\nNVML library version: 580.173\n',
    18,
  ],
  'no-devices': ['No devices were found\n', 6],
  'gpu-lost': ['Unable to determine the device handle for GPU0000:CB:00.0: Unknown Error\n', 15],
};

const XML = { 'a100-mig': 'a100-sxm4-80gb-mig-q.xml', a10g: 'a10g-q.xml', t4: 't4-q.xml' };
const H100 = { h100: 0, 'h100-load': 1 };

// Documented aliases (nvidia-smi --help-query-gpu) of columns the capture names differently.
const ALIASES = {
  'clocks.sm': 'clocks.current.sm',
  'clocks.gr': 'clocks.current.graphics',
  'clocks.mem': 'clocks.current.memory',
  'clocks.video': 'clocks.current.video',
  gpu_name: 'name',
  gpu_uuid: 'uuid',
  gpu_bus_id: 'pci.bus_id',
};

function canonical(field) {
  if (field.startsWith('clocks_throttle_reasons.')) return `clocks_event_reasons.${field.slice(24)}`;
  return ALIASES[field] ?? field;
}

function option(name, short) {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
    if (a === name || (short && a === short)) return args[i + 1];
  }
  return undefined;
}

/** Sections of a utkuozdemir capture: `# label :: …` / `# $ command` / #### / content / ####. */
function sections(file) {
  const lines = readFileSync(join(FIXTURES, file), 'utf8').split('\n');
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('# $ ')) continue;
    const label = (lines[i - 1] ?? '').replace(/^#\s*/, '').split('::')[0].trim();
    const content = [];
    for (let j = i + 2; j < lines.length && !lines[j].startsWith('####'); j++) content.push(lines[j]);
    while (content.length > 0 && content[content.length - 1].trim() === '') content.pop();
    found.push({ label, command: lines[i].slice(4).trim(), text: `${content.join('\n')}\n` });
  }
  return found;
}

function stamp() {
  const d = new Date();
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function rejected(field) {
  const list = (process.env.AILAB_FAKE_NVIDIA_SMI_REJECT ?? '').split(',').filter(Boolean);
  return list.some((r) => (r.endsWith('*') ? field.startsWith(r.slice(0, -1)) : field === r));
}

function queryGpu(rowIndex) {
  const lines = readFileSync(join(FIXTURES, 'h100-80gb-hbm3-query.csv'), 'utf8').split('\n');
  const header = lines[0].split(', ');
  const names = header.map((h) => h.replace(/ \[[^\]]+\]$/, ''));
  const row = lines[1 + rowIndex].split(', ');
  if (row.length !== header.length) throw new Error('capture row and header disagree');
  const requested = (option('--query-gpu') ?? '').split(',').filter(Boolean);
  const format = (option('--format') ?? '').split(',');
  if (requested.length === 0 || !format.includes('csv')) {
    out("Invalid combination of input arguments. Please run 'nvidia-smi -h' for help.\n\n", 2);
    return;
  }
  const columns = [];
  for (const field of requested) {
    const at = names.indexOf(canonical(field));
    if (rejected(field) || (field !== 'timestamp' && at < 0)) {
      out(`Field "${field}" is not a valid field to query.\n\n`, 2);
      return;
    }
    columns.push({ field, at });
  }
  const id = option('--id', '-i');
  if (id !== undefined && id !== row[names.indexOf('index')]) {
    out('No devices were found\n', 6);
    return;
  }
  const cell = ({ field, at }) => {
    const value = field === 'timestamp' ? stamp() : row[at];
    // nounits strips a value's unit only; the header keeps it.
    return format.includes('nounits') ? value.replace(/ (?:MiB|%|W|MHz|us|ms)$/, '') : value;
  };
  const headerLine = columns
    .map(({ field, at }) => (at < 0 ? field : header[at].replace(names[at], field)))
    .join(', ');
  const line = () => `${columns.map(cell).join(', ')}\n`;
  const loopMs =
    option('--loop-ms', '-lms') ?? (option('--loop', '-l') && String(Number(option('--loop', '-l')) * 1000));
  if (!format.includes('noheader')) process.stdout.write(`${headerLine}\n`);
  process.stdout.write(line());
  if (loopMs) setInterval(() => process.stdout.write(line()), Math.max(50, Number(loopMs)));
}

function computeApps(label) {
  const requested = (option('--query-compute-apps') ?? '').split(',').filter(Boolean);
  const table = sections('h100-80gb-hbm3-table.txt').find(
    (s) => s.label === label && s.command === 'nvidia-smi',
  );
  const csv = readFileSync(join(FIXTURES, 'h100-80gb-hbm3-query.csv'), 'utf8').split('\n');
  const uuid = csv[1].split(', ')[csv[0].split(', ').indexOf('uuid')];
  const format = (option('--format') ?? '').split(',');
  const rows = [];
  for (const m of table.text.matchAll(/^\|\s+(\d+)\s+\S+\s+\S+\s+(\d+)\s+(\S+)\s+(\S+)\s+(\d+)MiB \|$/gm)) {
    const values = { gpu_uuid: uuid, pid: m[2], process_name: m[4], used_memory: `${m[5]} MiB`, type: m[3] };
    for (const field of requested) {
      if (!(field in values)) return out(`Field "${field}" is not a valid field to query.\n\n`, 2);
    }
    rows.push(
      requested
        .map((f) => (format.includes('nounits') ? values[f].replace(/ MiB$/, '') : values[f]))
        .join(', '),
    );
  }
  out(rows.map((r) => `${r}\n`).join(''));
}

function main() {
  if (FAILURES[scenario]) return out(...FAILURES[scenario]);
  const has = (...names) => names.some((n) => args.includes(n));
  if (XML[scenario]) {
    if (has('-q', '--query') && has('-x', '--xml-format'))
      return out(readFileSync(join(FIXTURES, XML[scenario]), 'utf8'));
    return notCaptured(args.join(' '));
  }
  if (scenario in H100) {
    const label = scenario === 'h100' ? 'idle' : 'load';
    if (option('--query-gpu') !== undefined) return queryGpu(H100[scenario]);
    if (option('--query-compute-apps') !== undefined) return computeApps(label);
    const all = sections('h100-80gb-hbm3-table.txt');
    if (has('-L', '--list-gpus')) return out(all.find((s) => s.command === 'nvidia-smi -L').text);
    if (args.length === 0) return out(all.find((s) => s.label === label && s.command === 'nvidia-smi').text);
    return notCaptured(args.join(' '));
  }
  process.stderr.write(
    `fake nvidia-smi: set AILAB_FAKE_NVIDIA_SMI to one of ${[...Object.keys(H100), ...Object.keys(XML), ...Object.keys(FAILURES)].join(', ')}\n`,
  );
  process.exitCode = 99;
}

main();
