// Preloaded (`node --import`) into the docs' snippets: https://example.org/... goes to the
// test's static server, named in this module's own URL (`fetch-shim.mjs?origin=http://...`), so
// the docs keep real-looking URLs. Any other non-loopback URL is refused: a snippet must not
// reach the network.
const origin = new URL(import.meta.url).searchParams.get("origin") ?? undefined;
const example = "https://example.org";
const realFetch = globalThis.fetch;

globalThis.fetch = (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  if (url === example || url.startsWith(`${example}/`)) {
    if (origin === undefined) throw new Error("fetch shim: imported without ?origin=");
    const mapped = origin + url.slice(example.length);
    return realFetch(input instanceof Request ? new Request(mapped, input) : mapped, init);
  }
  const { hostname } = new URL(url);
  if (hostname !== "127.0.0.1" && hostname !== "localhost" && hostname !== "[::1]") {
    return Promise.reject(new Error(`fetch shim: a snippet fetched ${url}; only ${example} is served`));
  }
  return realFetch(input, init);
};
