// The HTML report (`--report html:FILE`): one self-contained page, readable on a phone. Per lab: score
// gauge, timeline, steps and checks; a GPU section when GPU checks ran; for a fleet, a host × check
// matrix, then each host's run folded away.
import type { RunResult } from '../../engine/result.js';
import { formatDuration } from '../../util/duration.js';
import { html } from '../escape.js';
import { extractGpu } from '../gpu.js';
import { groupByLab, hostOf, type LabGroup, slug, verdict } from '../model.js';
import { renderPage } from './page.js';
import { fleetMatrix, gpuSection, overview, resultBody, statusOf, timeline } from './sections.js';

function when(result: RunResult): string {
  return result.startedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
}

function singleRun(result: RunResult, headingLevel: 'h1' | 'h2'): string {
  const gpu = extractGpu([result]);
  return [
    `<${headingLevel}>${html(result.lab.id)} — ${html(result.lab.title)}</${headingLevel}>`,
    `<p class="meta">${html(result.mode)} on <code>${html(result.target.uri)}</code> · ${html(when(result))} · ${html(formatDuration(result.durationMs))}${result.workDir ? ` · work folder <code>${html(result.workDir)}</code>` : ''}</p>`,
    overview(result),
    timeline(result),
    resultBody(result),
    gpu ? gpuSection(gpu, false) : '',
  ].join('\n');
}

function fleetGroup(group: LabGroup, headingLevel: 'h1' | 'h2'): string {
  const first = group.results[0];
  const passed = group.results.filter((r) => r.status === 'passed').length;
  const gpu = extractGpu(group.results);
  const hosts = group.results.map((result) => {
    const host = hostOf(result);
    const status = statusOf(result);
    return `<details class="host" id="host-${html(slug(host))}"${status === 'pass' ? '' : ' open'}><summary><span class="badge ${status}">${verdict(result)}</span> ${html(host)}</summary>
${overview(result)}
${timeline(result)}
${resultBody(result)}
</details>`;
  });
  return [
    `<${headingLevel}>${html(first.lab.id)} — ${html(first.lab.title)}</${headingLevel}>`,
    `<p class="meta">${html(first.mode)} on ${group.results.length} hosts · ${passed} passed · ${html(when(first))}</p>`,
    '<h2>Hosts × checks</h2>',
    fleetMatrix(group.results),
    gpu ? gpuSection(gpu, true) : '',
    '<h2>Each host</h2>',
    ...hosts,
  ].join('\n');
}

/** One HTML page for one or more runs. */
export function renderHtml(results: RunResult[]): string {
  const groups = groupByLab(results);
  const single = groups.length === 1;
  const level = single ? 'h1' : 'h2';
  const sections = groups.map(
    (group) =>
      `<section class="lab" id="lab-${html(slug(group.labId))}">\n${
        group.fleet
          ? fleetGroup(group, level)
          : group.results.map((r) => singleRun(r, level)).join('\n<hr>\n')
      }\n</section>`,
  );
  const title =
    results.length === 0
      ? 'ailab report'
      : single
        ? `${results[0].lab.id}: ${groups[0].fleet ? `${groups[0].results.length} hosts` : verdict(results[0])} — ailab`
        : `${results.length} runs — ailab`;
  const passed = results.filter((r) => r.status === 'passed').length;
  const head = single
    ? ''
    : `<h1>ailab report</h1>\n<p class="meta">${passed} of ${results.length} runs passed</p>\n`;
  const tool = results[0]?.tool;
  const footer = `<footer>${tool ? `${html(tool.name)} ${html(tool.version)}` : 'ailab'}${
    results.length > 0
      ? ` · run ${results
          .map((r) => r.runId)
          .filter((id, i, all) => all.indexOf(id) === i)
          .map(html)
          .join(', ')}`
      : ''
  }</footer>`;
  return renderPage(title, `${head}${sections.join('\n')}\n${footer}`);
}
