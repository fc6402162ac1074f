/**
 * Opens a report file in headless Chromium with every other request blocked and the page's
 * console and page errors collected; shared by the report and search browser tests.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const INSTALL_HINT = 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium';
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
export interface OpenedReport {
  page: import('playwright-core').Page;
  blocked: string[];
  errors: string[];
}

/** Opens `file` in a fresh headless Chromium with every other request blocked, runs `check`. */
export async function withReport(t: import('ava').ExecutionContext, file: string, check: (r: OpenedReport) => Promise<void>): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    t.fail(`Chromium not found at ${CHROMIUM}; the browser test needs it. Install it with: ${INSTALL_HINT}`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'ntp-report-browser-'));
  const context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 20_000, viewport: { width: 1280, height: 900 },
  });
  try {
    const url = pathToFileURL(file).href;
    const page = await context.newPage();
    const blocked: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => {
      if (r.url() !== url) blocked.push(r.url());
    });
    await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
    await page.waitForSelector('body[data-charts-ready="true"]', { state: 'attached', timeout: 15_000 });
    await check({ page, blocked, errors });
    t.deepEqual(blocked, [], 'no request other than the report file itself');
    t.deepEqual(errors, []);
  } finally {
    await context.close();
    rmSync(work, { recursive: true, force: true });
  }
}

