// Debian's Chromium driven by playwright-core, for the HTML report tests. Never a downloaded browser:
// the executable path is fixed, and the flags keep Chromium from phoning home during a test.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.AILAB_CHROMIUM ?? '/usr/bin/chromium';

/** Whether the browser tests can run here; in CI (`CI` set) a missing browser is a failure, not a skip. */
export function haveChromium(): boolean {
  return existsSync(CHROMIUM) || Boolean(process.env.CI);
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
