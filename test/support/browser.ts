// Debian's Chromium driven by playwright-core (no browser download): headless, with the
// flags that keep it off the network this machine does not have.
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.FLINT_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
