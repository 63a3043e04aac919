// The HTML report in a real headless Chromium: every fixture loads with no console error, no failed or
// blocked request and no request beyond the file itself; key parts are there; screenshots at desktop
// and phone widths are saved under $TMPDIR/ailab-html-report-test/ (the paths are printed).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html/index.js';
import { renderProgressHtml } from '../../src/report/html/progress.js';
import { computeProgress } from '../../src/report/progress.js';
import { haveChromium, launchChromium } from '../helpers/browser.js';
import { fixtures } from './fixtures.js';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

interface Loaded {
  page: Page;
  errors: string[];
  requests: string[];
  file: string;
}

describe.skipIf(!haveChromium())('HTML report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    browser = await launchChromium();
    // One fixed folder, emptied at each run, so screenshots stay for a person to look at without piling up.
    dir = join(tmpdir(), 'ailab-html-report-test');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function load(name: string, html: string, viewport = DESKTOP): Promise<Loaded> {
    const file = join(dir, `${name}.html`);
    writeFileSync(file, html);
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') errors.push(`${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('request', (request) => requests.push(request.url()));
    page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return { page, errors, requests, file };
  }

  for (const [name, results] of Object.entries(fixtures)) {
    it(`${name}: loads with no console error and no request but the file`, async () => {
      const { page, errors, requests, file } = await load(name, renderHtml(results));
      expect(errors).toEqual([]);
      expect(requests).toEqual([pathToFileURL(file).href]);
      // Nothing the page could fetch: no src/href to a URL, no url() in CSS.
      const external = await page.evaluate(() =>
        [...document.querySelectorAll('[src], link[href], [srcset]')].map((e) => e.outerHTML),
      );
      expect(external.filter((e) => !e.includes('data:'))).toEqual([]);
      // Hostile text arrived as text: no element came from the fixtures' markup.
      expect(await page.locator('script').count()).toBe(0);
      expect(await page.locator('main b:not(.fact > b, .hint > b)').count()).toBe(0);
      await page.context().close();
    });
  }

  it('would see a page that tries to fetch (the harness catches what it must)', async () => {
    const leaky = renderHtml(fixtures['all-pass']).replace(
      '</main>',
      '<img src="http://127.0.0.1:9/pixel.png" alt=""></main>',
    );
    const { errors, page } = await load('leaky', leaky);
    expect(errors.join('\n')).toMatch(/Content Security Policy|pixel\.png/);
    await page.context().close();
  });

  it('shows the gauge, timeline, checks with expected/observed and hints (mixed)', async () => {
    const { page } = await load('mixed-parts', renderHtml(fixtures.mixed));
    await expect(page.locator('h1').textContent()).resolves.toContain('week-04');
    await expect(page.locator('figure.gauge svg').getAttribute('aria-label')).resolves.toBe(
      'Score 50%, pass mark 70%',
    );
    expect(await page.locator('.chart svg rect').count()).toBeGreaterThanOrEqual(3);
    const api = page.locator('#check-api');
    await expect(api.locator('dl.eo dd').first().textContent()).resolves.toBe(
      'status 200, JSON $.label, latency < 500ms',
    );
    await expect(api.locator('.hint').textContent()).resolves.toContain('Is the container running?');
    expect(await page.locator('.item.fail').count()).toBeGreaterThanOrEqual(3);
    await page.context().close();
  });

  it('shows the hostile text of the unicode fixture as text', async () => {
    const { page } = await load('unicode-text', renderHtml(fixtures.unicode));
    await expect(page.locator('#check-hostile .title').textContent()).resolves.toBe(
      fixtures.unicode[0].verify[0].title,
    );
    await page.context().close();
  });

  it('draws the GPU inventory and the matmul bar against peak', async () => {
    const { page } = await load('gpu-parts', renderHtml(fixtures.gpu));
    const rows = page.locator('section.gpu table tbody tr');
    expect(await rows.count()).toBe(2);
    await expect(rows.first().textContent()).resolves.toContain('NVIDIA H100 80GB HBM3');
    await expect(page.locator('section.gpu .chart').textContent()).resolves.toContain(
      '712.4 TFLOPS · 72% of 989 TFLOPS peak',
    );
    await page.context().close();
  });

  it('draws a host × check matrix for a fleet', async () => {
    const { page } = await load('fleet-parts', renderHtml(fixtures.fleet));
    const hosts = await page.locator('table.matrix tbody th').allTextContents();
    expect(hosts).toEqual(['gpu-a.lab', 'bob', 'gpu-c.lab']);
    expect(await page.locator('table.matrix td.cell.fail').count()).toBe(1);
    expect(await page.locator('details.host').count()).toBe(3);
    await page.context().close();
  });

  it('fits a phone: no horizontal scroll of the page, at 390 px', async () => {
    for (const name of ['mixed', 'long', 'unicode', 'fleet', 'gpu']) {
      const { page } = await load(`${name}-phone`, renderHtml(fixtures[name]), PHONE);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, name).toBeLessThanOrEqual(0);
      await page.context().close();
    }
  });

  it('shows the course progress page, on a phone too', async () => {
    const runs = [fixtures['all-pass'][0], ...fixtures.fleet, fixtures.mixed[0]];
    const page = renderProgressHtml(computeProgress(runs));
    for (const viewport of [DESKTOP, PHONE]) {
      const loaded = await load(`progress-${viewport.width}`, page, viewport);
      expect(loaded.errors).toEqual([]);
      expect(loaded.requests).toEqual([pathToFileURL(loaded.file).href]);
      expect(await loaded.page.locator('.weeks .week').count()).toBe(41);
      expect(await loaded.page.locator('.weeks .week.pass').count()).toBe(2);
      expect(await loaded.page.locator('.weeks .week.fail').count()).toBe(1);
      const overflow = await loaded.page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await loaded.page.screenshot({ path: join(dir, `progress-${viewport.width}.png`), fullPage: true });
      await loaded.page.context().close();
    }
  });

  it('takes screenshots at desktop and phone widths', async () => {
    const shots: string[] = [];
    for (const [name, viewport] of [
      ['mixed', DESKTOP],
      ['mixed', PHONE],
      ['fleet', DESKTOP],
      ['gpu', PHONE],
    ] as const) {
      const { page } = await load(`${name}-shot`, renderHtml(fixtures[name]), viewport);
      const path = join(dir, `${name}-${viewport.width}.png`);
      await page.screenshot({ path, fullPage: true });
      shots.push(path);
      await page.context().close();
    }
    process.stdout.write(`HTML report screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}\n`);
    expect(shots).toHaveLength(4);
  });
});
