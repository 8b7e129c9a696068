import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { secondsToSamples } from "@granule/opus-index";
import {
  ArchiveError,
  importRecording as importAnywhere,
  MemoryStore,
  normaliseRecordedAt,
  openCollection as openAnywhere,
  openRecording as openAnywhereRecording,
  parseRecorderFileName,
} from "@granule/zarr-opus";
import { importRecording, listRecordings, openCollection, openRecording } from "@granule/zarr-opus/node";
import { afterAll, describe, expect, it } from "vitest";
import { facts, fixturePath, loadFixture } from "./fixtures.ts";
import { tempDir } from "./temp-dir.ts";

const temp = tempDir();
afterAll(() => temp.remove());

describe("recorder file names", () => {
  const table: [string, { recordedAt: string; deviceId: string | null } | undefined][] = [
    ["20240501_053000.WAV", { recordedAt: "2024-05-01T05:30:00.000Z", deviceId: null }],
    ["20240501_053000.opus", { recordedAt: "2024-05-01T05:30:00.000Z", deviceId: null }],
    ["24F31901603D2A45_20240501_053000.WAV", { recordedAt: "2024-05-01T05:30:00.000Z", deviceId: "24F31901603D2A45" }],
    ["site3_mothA_20231231_235959.WAV", { recordedAt: "2023-12-31T23:59:59.000Z", deviceId: "site3_mothA" }],
    ["/data/2024/20240101_000000.opus", { recordedAt: "2024-01-01T00:00:00.000Z", deviceId: null }],
    ["C:\\rec\\SMM01234_20240229_120000.wav", { recordedAt: "2024-02-29T12:00:00.000Z", deviceId: "SMM01234" }],
    ["20240501_053000T.WAV", { recordedAt: "2024-05-01T05:30:00.000Z", deviceId: null }],
    ["20240501_053000_part2.opus", { recordedAt: "2024-05-01T05:30:00.000Z", deviceId: null }],
    ["20230229_120000.WAV", undefined], // 2023 has no 29 February
    ["20240501_243000.WAV", undefined],
    ["20241301_000000.WAV", undefined],
    ["20240501_0530001.WAV", undefined],
    ["2024-05-01_05-30-00.WAV", undefined],
    ["recording.opus", undefined],
  ];
  for (const [name, expected] of table) {
    it(`${name} -> ${expected === undefined ? "no time" : `${expected.recordedAt}, device ${expected.deviceId}`}`, () => {
      expect(parseRecorderFileName(name)).toEqual(expected);
    });
  }

  it("reads local times with the recorder's UTC offset when told one", () => {
    expect(parseRecorderFileName("20240501_073000.WAV", { utcOffset: "+02:00" })?.recordedAt).toBe(
      "2024-05-01T05:30:00.000Z",
    );
    expect(parseRecorderFileName("20240101_003000.WAV", { utcOffset: "-05:30" })?.recordedAt).toBe(
      "2024-01-01T06:00:00.000Z",
    );
  });
});

describe("normaliseRecordedAt", () => {
  it("keeps the instant in UTC and the offset it was given in", () => {
    expect(normaliseRecordedAt("2024-05-01T07:30:00+02:00")).toEqual({
      recordedAt: "2024-05-01T05:30:00.000Z",
      utcOffset: "+02:00",
    });
    expect(normaliseRecordedAt("2024-05-01T05:30:00Z")).toEqual({
      recordedAt: "2024-05-01T05:30:00.000Z",
      utcOffset: null,
    });
    expect(normaliseRecordedAt(new Date(Date.UTC(2024, 4, 1, 5, 30)))).toEqual({
      recordedAt: "2024-05-01T05:30:00.000Z",
      utcOffset: null,
    });
  });

  it("reads a time without an offset as UTC (not the machine's zone), unless told otherwise", () => {
    expect(normaliseRecordedAt("2024-05-01T05:30:00.250").recordedAt).toBe("2024-05-01T05:30:00.250Z");
    expect(normaliseRecordedAt("2024-05-01 05:30", "-05:00")).toEqual({
      recordedAt: "2024-05-01T10:30:00.000Z",
      utcOffset: "-05:00",
    });
  });

  it("rejects what is not a real ISO 8601 time with an ArchiveError", () => {
    for (const bad of ["yesterday", "2024-02-30T00:00:00Z", "2024-05-01T25:00:00Z", "05/01/2024"]) {
      expect(() => normaliseRecordedAt(bad)).toThrow(ArchiveError);
    }
  });

  it("says why a time is not of the calendar, as the timeline says it (calendarProblem, one check for both)", () => {
    const cases: [string, string][] = [
      ["2025-04-31T00:00:00Z", "month 4 of 2025 has 30 days, not 31"],
      ["2025-02-29T00:00:00Z", "month 2 of 2025 has 28 days, not 29"],
      ["2025-13-01T00:00:00Z", "there is no month 13"],
      ["2025-04-16T24:30:00Z", "24:30 is not a time of day"],
      ["2016-12-31T23:59:60Z", "second 60 is not a second of a minute"],
    ];
    for (const [text, reason] of cases) {
      expect(() => normaliseRecordedAt(text)).toThrow(`recordedAt "${text}" is not a real time: ${reason}`);
    }
    // Leap days, and 24:00 as the next day's midnight, are real.
    expect(normaliseRecordedAt("2024-02-29T12:00:00Z").recordedAt).toBe("2024-02-29T12:00:00.000Z");
    expect(normaliseRecordedAt("2025-04-16T24:00:00Z").recordedAt).toBe("2025-04-17T00:00:00.000Z");
  });
});

describe("metadata stored by an import", () => {
  it("takes the start time and device id from an AudioMoth-style file name", async () => {
    const dir = join(temp.path, "names");
    const path = join(temp.path, "24F319_20240501_053000.opus");
    copyFileSync(fixturePath("ffmpeg-mono.opus"), path);
    const collection = await openCollection(dir, { create: true });
    const { id } = await importRecording(collection, path);
    const { info } = await openRecording(collection, id);
    expect([info.sourceName, info.recordedAt, info.utcOffset, info.deviceId]).toEqual([
      "24F319_20240501_053000.opus",
      "2024-05-01T05:30:00.000Z",
      null,
      "24F319",
    ]);
  });

  it("lets an explicit recordedAt and deviceId override the name, and never uses the current time", async () => {
    const collection = await openAnywhere(new MemoryStore(), { create: true });
    const explicit = await importAnywhere(collection, loadFixture("ffmpeg-mono.opus"), {
      sourceName: "MOTH1_20240501_053000.WAV",
      recordedAt: "2024-06-01T12:00:00+01:00",
      deviceId: "moth-7",
    });
    expect([explicit.summary.recordedAt, explicit.summary.deviceId]).toEqual(["2024-06-01T11:00:00.000Z", "moth-7"]);
    const unknown = await importAnywhere(collection, loadFixture("ffmpeg-stereo.opus"), { sourceName: "dawn.opus" });
    expect(unknown.summary.recordedAt).toBeNull();
    const ignored = await importAnywhere(collection, loadFixture("opusenc-mono.opus"), {
      sourceName: "20240501_053000.opus",
      parseFileName: false,
    });
    expect(ignored.summary.recordedAt).toBeNull();
  });

  it("writes every attribute of docs/format.md, with complete last", async () => {
    const store = new MemoryStore();
    const collection = await openAnywhere(store, { create: true });
    const { id } = await importAnywhere(collection, loadFixture("opusenc-stereo.opus"), {
      sourceName: "20240501_053000.opus",
      location: { latitude: 47.5, longitude: 8.25, name: "pond" },
      metadata: { project: "dawn chorus", gain: 2 },
    });
    const document = JSON.parse(new TextDecoder().decode(store.objects.get(`/${id}/zarr.json`)));
    const attributes = document.attributes;
    expect(Object.keys(attributes)).toEqual([
      "zarrOpus",
      "source",
      "importedAt",
      "recordedAt",
      "utcOffset",
      "deviceId",
      "location",
      "sampleRate",
      "timeExpansion",
      "channels",
      "preSkip",
      "startGranule",
      "totalSamples",
      "links",
      "problems",
      "indexedSerial",
      "indexSha256",
      "metadata",
      "complete",
    ]);
    expect(document.zarr_format).toBe(3);
    expect(document.node_type).toBe("group");
    const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(attributes.zarrOpus).toEqual({
      type: "recording",
      formatVersion: 2,
      writer: `@granule/zarr-opus ${version}`,
    });
    expect(attributes.source).toEqual({
      name: "20240501_053000.opus",
      byteLength: 69_822,
      sha256: facts.find((f) => f.file === "opusenc-stereo.opus")!.sha256,
    });
    expect([attributes.sampleRate, attributes.timeExpansion, attributes.channels, attributes.preSkip]).toEqual([
      48_000, 1, 2, 312,
    ]);
    expect([attributes.startGranule, attributes.totalSamples, attributes.complete]).toEqual([0, 240_000, true]);
    expect(attributes.links[0].head).toEqual({
      version: 1,
      channels: 2,
      preSkip: 312,
      inputSampleRate: 44_100,
      outputGainQ8: 0,
      mappingFamily: 0,
      streamCount: 1,
      coupledCount: 1,
      mapping: [0, 1],
    });
    expect(attributes.links[0].tags.vendor).toMatch(/^libopus/);
    expect(attributes.location).toEqual({ latitude: 47.5, longitude: 8.25, name: "pond" });
    expect(attributes.metadata).toEqual({ project: "dawn chorus", gain: 2 });
    expect(attributes.importedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("marks the collection group and keeps the user's own attributes when marking an existing group", async () => {
    const store = new MemoryStore();
    await store.set(
      "/site/zarr.json",
      new TextEncoder().encode('{"zarr_format":3,"node_type":"group","attributes":{"owner":"lab"}}'),
    );
    await expect(openAnywhere(store, { path: "/site" })).rejects.toMatchObject({ code: "not-a-collection" });
    const collection = await openAnywhere(store, { path: "/site", create: true });
    expect(collection.attributes).toEqual({ owner: "lab", zarrOpus: { type: "collection", formatVersion: 2 } });
    const { id } = await importAnywhere(collection, loadFixture("ffmpeg-mono.opus"));
    expect(store.objects.has(`/site/${id}/ogg/c/0`)).toBe(true);
    expect((await openAnywhere(store, { path: "/site" })).attributes.owner).toBe("lab");
  });
});

describe("time-expanded ultrasonic recordings", () => {
  it("keep every sample and label the true rate: seconds convert at 384 kHz", async () => {
    const collection = await openAnywhere(new MemoryStore(), { create: true });
    const plain = await importAnywhere(collection, loadFixture("ffmpeg-mono.opus"));
    const bat = await importAnywhere(collection, loadFixture("ffmpeg-mono.opus"), {
      originalSampleRate: 384_000,
      onDuplicate: "allow",
    });
    const a = await openAnywhereRecording(collection, plain.id);
    const b = await openAnywhereRecording(collection, bat.id);
    expect([b.sampleRate, b.info.sampleRate, b.info.timeExpansion]).toEqual([384_000, 384_000, 8]);
    expect(b.index.totalSamples).toBe(a.index.totalSamples);
    expect(b.info.durationSeconds).toBe(240_000 / 384_000);
    expect(a.info.durationSeconds).toBe(5);
    // 0.5 s of bat time is 192,000 samples; the same samples are 4 s of ordinary time.
    expect(secondsToSamples(0.5, b.sampleRate)).toBe(192_000);
    expect(b.index.locate(192_000, 200_000)).toEqual(a.index.locate(192_000, 200_000));
    expect(bat.summary.durationSeconds).toBe(0.625);
  });

  it("rejects a sample rate that is not a positive number", async () => {
    const collection = await openAnywhere(new MemoryStore(), { create: true });
    await expect(
      importAnywhere(collection, loadFixture("ffmpeg-mono.opus"), { originalSampleRate: 0 }),
    ).rejects.toMatchObject({
      code: "invalid-argument",
    });
  });
});

describe("listRecordings filters", () => {
  it("select by start time, device and hash", async () => {
    const collection = await openAnywhere(new MemoryStore(), { create: true });
    const files = ["ffmpeg-mono.opus", "ffmpeg-stereo.opus", "opusenc-mono.opus"];
    const names = ["A_20240501_050000.opus", "B_20240501_060000.opus", "A_20240502_050000.opus"];
    for (let i = 0; i < 3; i++) await importAnywhere(collection, loadFixture(files[i]!), { sourceName: names[i]! });
    const { listRecordings: list } = await import("@granule/zarr-opus");
    expect((await list(collection, { deviceId: "A" })).map((r) => r.id)).toEqual(["000001", "000003"]);
    expect(
      (await list(collection, { from: "2024-05-01T05:30:00Z", to: "2024-05-02T00:00:00Z" })).map((r) => r.id),
    ).toEqual(["000002"]);
    const sha = (await list(collection))[2]!.sha256;
    expect((await list(collection, { sha256: sha })).map((r) => r.id)).toEqual(["000003"]);
  });

  it("reads summaries identical to the manifest's on a local collection", async () => {
    const dir = join(temp.path, "manifest");
    const collection = await openCollection(dir, { create: true });
    await importRecording(collection, fixturePath("ffmpeg-mono.opus"));
    await importRecording(collection, fixturePath("chained.opus"), { recordedAt: "2024-05-01T00:00:00Z" });
    const manifest = JSON.parse(readFileSync(join(dir, "manifest", "zarr.json"), "utf8"));
    expect(manifest.attributes.zarrOpus).toEqual({ type: "manifest", formatVersion: 2 });
    expect(manifest.attributes.highestNumericId).toBe(2);
    expect(manifest.attributes.recordings).toEqual(await listRecordings(collection));
  });
});
