// How the browser suite starts Debian's Chromium. Without the background-networking flags,
// Chromium's own connections (updates, sync, Google's hosts) are refused by the closed network
// of the machines this runs on. Playwright gives each launch a fresh, empty user-data-dir.
export const CHROMIUM_PATH = "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
