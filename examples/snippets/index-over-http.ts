import { buildIndex, httpSource } from "@granule/opus-index";

// Any runtime, any static server: ranged GETs, checked, bounded in time and bytes, retried on
// server faults (@granule/byte-source's rules); a server that ignores Range works too.
const source = await httpSource("https://example.org/dawn.opus", { onWarning: (w) => console.warn(w.message) });
const index = await buildIndex(source, { workers: 0 });
console.log(index.totalSamples, source.size); // 960000 95992
