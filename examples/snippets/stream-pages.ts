import { createReadStream } from "node:fs";
import { createPageStream, OggPageReader } from "@granule/ogg-pages";

// Push chunks of any size; get the same pages readPages gives for the whole buffer.
const reader = new OggPageReader();
let pageCount = 0;
for await (const chunk of createReadStream("dawn.opus", { highWaterMark: 1_000 })) {
  pageCount += reader.push(chunk).length;
}
pageCount += reader.end().length;
console.log(pageCount); // 23

// or with WHATWG streams
const response = await fetch("https://example.org/dawn.opus");
if (response.body === null) throw new Error("no body");
const pages = response.body.pipeThrough(createPageStream());
for await (const page of pages) if (page.eos) console.log("last page", page.sequence, page.granule); // 22 960312n
