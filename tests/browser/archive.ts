import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { importRecording, openCollection } from "@granule/zarr-opus/node";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** What the test archive holds, by id. */
export const ARCHIVE_RECORDINGS = {
  dawn: { id: "000001", file: join(root, "examples/dawn-chorus.opus"), sampleRate: 48_000 },
  bats: {
    id: "000002",
    file: join(root, "packages/spectrogram/test/fixtures/bat-sweeps-384k.opus"),
    sampleRate: 384_000,
  },
  stereo: { id: "000003", file: join(root, "fixtures/ffmpeg-stereo.opus"), sampleRate: 48_000 },
} as const;

/**
 * A collection directory made with the Node entry's importRecording: the dawn-chorus example
 * (with a device, a place and metadata), the time-expanded bat fixture (true rate 384 kHz) and
 * a stereo fixture. The caller removes it with `remove()`.
 */
export async function buildTestArchive(): Promise<{ directory: string; remove(): void }> {
  const directory = join(mkdtempSync(join(tmpdir(), "granule-browser-")), "season.zarr");
  const collection = await openCollection(directory, { create: true });
  await importRecording(collection, ARCHIVE_RECORDINGS.dawn.file, {
    recordedAt: "2024-05-01T05:30:00Z",
    deviceId: "24F319",
    location: { latitude: 47.3769, longitude: 8.5417, name: "pond-3" },
    metadata: { project: "dawn chorus", observer: "test" },
  });
  await importRecording(collection, ARCHIVE_RECORDINGS.bats.file, {
    originalSampleRate: 384_000,
    recordedAt: "2024-05-02T21:15:00Z",
    deviceId: "BATLOG-7",
    metadata: { detector: "synthetic sweeps" },
  });
  await importRecording(collection, ARCHIVE_RECORDINGS.stereo.file);
  return {
    directory,
    remove: () => rmSync(join(directory, ".."), { recursive: true, force: true }),
  };
}
