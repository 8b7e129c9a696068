import { buildIndex, httpSource } from "@granule/opus-index";

// Any runtime, any static server that answers Range requests: only Range GETs, no HEAD.
const source = await httpSource("https://example.org/dawn.opus");
const index = await buildIndex(source, { workers: 0 });
console.log(index.totalSamples, source.size); // 960000 95992
