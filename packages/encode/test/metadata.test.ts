import { assemblePackets, readPages } from "@granule/ogg-pages";
import { parseOpusTags } from "@granule/opus-index";
import { parseRecorderFileName } from "@granule/zarr-opus";
import { describe, expect, it } from "vitest";
import { encodeToBytes, parseAudioMothComment, parseGuano, planRate } from "../src/index.ts";
import { loadFixture, roundTrip } from "./helpers.ts";

// Comment texts as each firmware's setHeaderComment writes them (AudioMoth-Firmware-Basic
// src/main.c at the tag named; 1.0-1.4 wordings from metamoth docs/firmware_versions/*.rst,
// which quote those sources).
describe("AudioMoth comments, every firmware wording", () => {
  it("1.0: no zone, numeric gain, two-decimal battery", () => {
    const c = parseAudioMothComment(
      "Recorded at 05:30:00 01/05/2018 by AudioMoth 0FE081F80FE081F0 at gain setting 2 while battery state was 4.20V",
    )!;
    expect(c).toMatchObject({
      recordedAt: "2018-05-01T05:30:00.000Z",
      utcOffset: "+00:00",
      deviceId: "0FE081F80FE081F0",
      gain: "medium",
      gainIndex: 2,
      batteryV: 4.2,
      batteryBound: null,
      temperatureC: null,
    });
  });
  it("1.0.1: (UTC), battery bounds", () => {
    const c = parseAudioMothComment(
      "Recorded at 23:59:59 31/12/2019 (UTC) by AudioMoth 0FE081F80FE081F0 at gain setting 4 while battery state was < 3.6V",
    )!;
    expect(c).toMatchObject({
      recordedAt: "2019-12-31T23:59:59.000Z",
      gain: "high",
      batteryV: 3.6,
      batteryBound: "below",
    });
  });
  it("1.2.1: a zone in hours, a cancelled recording", () => {
    const c = parseAudioMothComment(
      "Recorded at 06:00:00 02/03/2019 (UTC-5) by AudioMoth 0FE081F80FE081F0 at gain setting 1 while battery state was greater than 4.9V. Recording cancelled before completion due to low battery voltage.",
    )!;
    expect(c).toMatchObject({
      localTime: "2019-03-02T06:00:00",
      recordedAt: "2019-03-02T11:00:00.000Z",
      utcOffset: "-05:00",
      batteryBound: "above",
      stopped: { reason: "low-voltage" },
    });
  });
  it("1.2.2: hours and minutes; 1.4.0's '-0:30' for a negative half hour", () => {
    expect(
      parseAudioMothComment(
        "Recorded at 10:00:00 15/06/2019 (UTC+5:30) by AudioMoth 0FE081F80FE081F0 at gain setting 2 while battery state was 4.5V.",
      )!.recordedAt,
    ).toBe("2019-06-15T04:30:00.000Z");
    expect(
      parseAudioMothComment(
        "Recorded at 10:00:00 15/06/2020 (UTC-0:30) by AudioMoth 0FE081F80FE081F0 at low gain setting while battery state was 4.5V and temperature was 20.0C.",
      )!,
    ).toMatchObject({ recordedAt: "2020-06-15T10:30:00.000Z", utcOffset: "-00:30" });
  });
  it("1.4.0: named gain, temperature, amplitude threshold, filter (its own wording)", () => {
    const c = parseAudioMothComment(
      "Recorded at 21:15:00 17/04/2020 (UTC+2) by AudioMoth 24A04F085FDF2793 at medium-high gain setting while battery state was 4.2V and temperature was -3.5C. Amplitude threshold was 512. Band-pass filter applied with cut-off frequencies of 1.0kHz and 8.5kHz. Recording cancelled before completion due to change of switch position.",
    )!;
    expect(c).toMatchObject({
      gain: "medium-high",
      gainIndex: 3,
      temperatureC: -3.5,
      amplitudeThreshold: { value: 512, unit: "raw", minimumDurationS: null },
      filter: { type: "band-pass", lowHz: 1000, highHz: 8500 },
      stopped: { reason: "switch-change" },
      unrecognised: [],
    });
  });
  it("1.6.0: deployment id, external microphone, dB threshold with trigger duration, 'Recording stopped'", () => {
    const c = parseAudioMothComment(
      "Recorded at 05:30:00 01/05/2024 (UTC) during deployment 0123456789ABCDEF using external microphone at high gain while battery was 3.9V and temperature was -2.5C. Low-pass filter with frequency of 12.0kHz applied. Amplitude threshold was -40 dB with 5s minimum trigger duration. Recording stopped due to microphone change.",
    )!;
    expect(c).toMatchObject({
      deviceId: null,
      deploymentId: "0123456789ABCDEF",
      externalMicrophone: true,
      filter: { type: "low-pass", highHz: 12000 },
      amplitudeThreshold: { text: "-40 dB", value: -40, unit: "dB", minimumDurationS: 5 },
      stopped: { reason: "microphone-change" },
    });
  });
  it("1.7-1.11: percentage threshold, frequency trigger, magnetic switch, SD card error", () => {
    const c = parseAudioMothComment(
      "Recorded at 00:00:05 29/02/2024 (UTC+10) by AudioMoth 24F3190361DA3578 at low-medium gain while battery was less than 2.5V and temperature was 30.2C. Frequency trigger (48.0kHz and window length of 16 samples) threshold was 0.25% with 2s minimum trigger duration. High-pass filter with frequency of 8.0kHz applied. Recording stopped by magnetic switch.",
    )!;
    expect(c).toMatchObject({
      recordedAt: "2024-02-28T14:00:05.000Z",
      batteryBound: "below",
      frequencyTrigger: { centreHz: 48000, windowSamples: 16, thresholdPercent: 0.25, minimumDurationS: 2 },
      filter: { type: "high-pass", lowHz: 8000 },
      stopped: { reason: "magnetic-switch" },
    });
    expect(
      parseAudioMothComment(
        "Recorded at 00:00:05 01/03/2025 (UTC) by AudioMoth 24F3190361DA3578 at medium gain while battery was 4.0V and temperature was 5.0C. Amplitude threshold was 2.5% with 1s minimum trigger duration. Recording stopped due to SD card write error.",
      )!,
    ).toMatchObject({
      amplitudeThreshold: { value: 2.5, unit: "percent" },
      stopped: { reason: "sd-card-write-error" },
    });
  });
  it("unknown sentences of a newer firmware are kept, not lost; non-AudioMoth text is null", () => {
    const c = parseAudioMothComment(
      "Recorded at 00:00:05 01/03/2030 (UTC) by AudioMoth 24F3190361DA3578 at medium gain while battery was 4.0V and temperature was 5.0C. Moon phase was 0.5 full. Recording stopped due to file size limit.",
    )!;
    expect(c.unrecognised).toEqual(["Moon phase was 0.5 full."]);
    expect(c.stopped?.reason).toBe("file-size-limit");
    expect(parseAudioMothComment("made with Audacity")).toBeNull();
    expect(
      parseAudioMothComment(
        "Recorded at 25:00:00 01/13/2020 (UTC) by AudioMoth 24F3190361DA3578 at medium gain while battery was 4.0V",
      ),
    ).toBeNull();
  });
});

describe("GUANO", () => {
  it("reads the specification's example: well-known fields parsed, vendor namespaces verbatim", async () => {
    const { result } = await roundTrip(loadFixture("guano-spec-example-500k.wav"));
    const g = result.metadata.guano!;
    expect(g).toMatchObject({
      version: "1.0",
      timestamp: "2012-03-29T03:58:01+04:00",
      recordedAt: "2012-03-28T23:58:01.000Z",
      utcOffset: "+04:00",
      latitude: 37.1878016,
      longitude: -86.1057312,
      elevationM: 228.6,
      locationAccuracyM: 20,
      make: "Pettersson",
      model: "D1000X",
      timeExpansion: 1,
      sampleRate: 500000,
      lengthS: 0.02,
      filterHpKHz: 20,
      speciesAutoId: ["MYLU"],
      speciesManualId: ["Myosod"],
      tags: ["hand-release", "voucher", "workshop"],
      problems: [],
    });
    expect(g.note).toContain("Ent.\nReleased in low-clutter");
    expect(g.fields.filter((f) => f.namespace === "SB").map((f) => [f.name, f.value])).toEqual([
      ["Version", "3.4"],
      ["Classifier", "US Northeast"],
      ["DiscrProb", "0.913"],
      ["Filter", "20kHz Anti-Katydid"],
    ]);
    expect(g.fields.find((f) => f.key === "PET|Firmware")?.value).toBe("1.0.4 (2009-11-25)");
    expect(result.metadata).toMatchObject({
      recordedAt: "2012-03-28T23:58:01.000Z",
      recordedAtFrom: "guano",
      location: { latitude: 37.1878016, longitude: -86.1057312, elevationM: 228.6, accuracyM: 20 },
      conflicts: [],
    });
    expect(result.ratePlan).toMatchObject({
      kind: "time-expanded",
      originalSampleRate: 500000,
      timeExpansion: 500000 / 48000,
    });
  });

  it("a time-expansion detector's file (TE 10): samples kept, the true rate from TE", async () => {
    const { result, decoded } = await roundTrip(loadFixture("guano-te10-44k1.wav"));
    expect(result.ratePlan).toEqual(planRate(44100, { recorderTimeExpansion: 10 }));
    expect(result.ratePlan).toMatchObject({ kind: "time-expanded", originalSampleRate: 441000 });
    expect(decoded[0]!.length).toBe(4410);
    expect(result.metadata.conflicts).toEqual([]);
    expect(result.tags).toContain("ORIGINAL_SAMPLE_RATE=441000");
  });

  it("lenient on damage, as guano-py: bad lines and values listed, the rest kept", () => {
    const g = parseGuano(
      "Make: X\nGUANO|Version: 1.0\nno colon here\nLoc Position: north\nLoc Elevation: high\nTE: -2\nMake: Y\n\0\0 ",
    );
    expect(g.problems).toEqual([
      'line 3 has no "key: value": "no colon here"',
      'key "Make" appears more than once; the first is used',
      'the first field is "Make", not GUANO|Version',
      'Loc Position "north" is not "latitude longitude" in degrees',
      'TE "-2" is not a positive number; taken as 1',
      'Loc Elevation "high" is not a number',
    ]);
    expect(g).toMatchObject({ make: "X", latitude: null, elevationM: null, timeExpansion: 1 });
    expect(parseGuano("GUANO|Version:1.0\nTimestamp:2015-12-31T23:59:59.123456").recordedAt).toBeNull();
    expect(parseGuano("GUANO|Version:1.0\nTimestamp:2015-12-31 23:59:59Z").recordedAt).toBe("2015-12-31T23:59:59.000Z");
  });
});

describe("recorder metadata in the result and in OpusTags", () => {
  const tagsOf = (bytes: Uint8Array) => parseOpusTags([...assemblePackets(readPages(bytes))][1]!.data);

  it("AudioMoth 1.11.1 with GUANO after the audio (odd size, no pad byte): everything agrees, and goes into OpusTags", async () => {
    const { bytes, result } = await roundTrip(loadFixture("audiomoth-1.11.1-guano.wav"), {
      sourceName: "20250417_211500.WAV",
      parseFileName: parseRecorderFileName,
    });
    expect(result.metadata).toMatchObject({
      recordedAt: "2025-04-17T19:15:00.000Z",
      utcOffset: "+02:00",
      recordedAtFrom: "guano",
      deviceId: "24A04F085FDF2793",
      deviceIdFrom: "guano",
      location: { latitude: 51.75, longitude: -1.25 },
      make: "Open Acoustic Devices",
      model: "AudioMoth",
      firmwareVersion: "AudioMoth-Firmware-Basic (1.11.1)",
      // The file name is the recorder's local time: read with the offset its metadata states.
      fileName: { name: "20250417_211500.WAV", recordedAt: "2025-04-17T19:15:00.000Z", deviceId: null },
      conflicts: [],
    });
    expect(result.metadata.audioMoth).toMatchObject({
      gain: "medium",
      batteryV: 4.2,
      temperatureC: 9.8,
      filter: { type: "band-pass", lowHz: 1000, highHz: 8000 },
      amplitudeThreshold: { value: -40, unit: "dB", minimumDurationS: 5 },
    });
    expect(result.warnings).toEqual([]);
    const tags = tagsOf(bytes);
    expect(tags.vendor).toBe("libopus 1.3.1");
    expect(tags.comments).toEqual(result.tags);
    expect(tags.comments).toContain("DATE=2025-04-17T19:15:00.000Z");
    expect(tags.comments).toContain("ARTIST=AudioMoth 24A04F085FDF2793");
    expect(tags.comments).toContain(`COMMENT=${result.metadata.audioMoth!.raw}`);
    expect(tags.comments).toContain(`GUANO=${result.metadata.guano!.raw}`);
    expect(tags.comments).toContain("SOURCE_FILENAME=20250417_211500.WAV");
  });

  it("the same AudioMoth file through flac --keep-foreign-metadata keeps its INFO and GUANO", async () => {
    const wav = await roundTrip(loadFixture("audiomoth-1.11.1-guano.wav"));
    const flac = await roundTrip(loadFixture("audiomoth-1.11.1-guano.flac"));
    expect(flac.result.metadata.guano?.raw).toBe(wav.result.metadata.guano?.raw);
    expect(flac.result.metadata.audioMoth).toEqual(wav.result.metadata.audioMoth);
    expect(flac.result.metadata.recordedAt).toBe("2025-04-17T19:15:00.000Z");
  });

  it("AudioMoth 1.6.0 at 384 kHz: time-expanded, deployment id, device id from IART; a file name that disagrees is a conflict", async () => {
    const { result, decoded } = await roundTrip(loadFixture("audiomoth-1.6.0-384k.wav"), {
      sourceName: "SITE7_20240501_063000.WAV",
      parseFileName: parseRecorderFileName,
    });
    expect(result.ratePlan).toMatchObject({ kind: "time-expanded", originalSampleRate: 384000, timeExpansion: 8 });
    expect(decoded[0]!.length).toBe(19200);
    expect(result.metadata).toMatchObject({
      recordedAt: "2024-05-01T05:30:00.000Z",
      recordedAtFrom: "audiomoth-comment",
      deviceId: "242A260456C03CDB",
      deviceIdFrom: "info",
    });
    expect(result.metadata.audioMoth).toMatchObject({
      deploymentId: "0123456789ABCDEF",
      externalMicrophone: true,
      stopped: { reason: "file-size-limit" },
    });
    expect(result.metadata.conflicts).toEqual([
      {
        field: "recordedAt",
        values: [
          { source: "audiomoth-comment", value: "2024-05-01T05:30:00.000Z" },
          { source: "file-name", value: "2024-05-01T06:30:00.000Z" },
        ],
      },
      {
        field: "deviceId",
        values: [
          { source: "info", value: "242A260456C03CDB" },
          { source: "file-name", value: "SITE7" },
        ],
      },
    ]);
    const tags = tagsOf((await encodeToBytes(loadFixture("audiomoth-1.6.0-384k.wav"), { serial: 1 })).bytes).comments;
    expect(tags).toEqual(
      expect.arrayContaining(["RATE_PLAN=time-expanded", "ORIGINAL_SAMPLE_RATE=384000", "TIME_EXPANSION=8"]),
    );
  });

  it("AudioMoth 1.0 (no zone, no IART) at 8 kHz", async () => {
    const { result } = await roundTrip(loadFixture("audiomoth-1.0.wav"));
    expect(result.metadata).toMatchObject({
      recordedAt: "2018-05-01T05:30:00.000Z",
      deviceId: "0FE081F80FE081F0",
      deviceIdFrom: "audiomoth-comment",
    });
    expect(result.ratePlan.kind).toBe("upsampled");
  });

  it("GUANO Samplerate and Length that contradict the audio are conflicts", async () => {
    const bytes = loadFixture("guano-te10-44k1.wav");
    const text = new TextDecoder("latin1").decode(bytes);
    const at = text.indexOf("Samplerate:441000");
    const edited = bytes.slice();
    edited.set(new TextEncoder().encode("Samplerate:441001"), at);
    const { result } = await roundTrip(edited);
    expect(result.metadata.conflicts).toEqual([
      {
        field: "sampleRate",
        values: [
          { source: "guano", value: 441001 },
          { source: "audio", value: 441000 },
        ],
      },
    ]);
  });
});
