import type { RatePlan } from "./rate-plan.ts";
import type { RecorderMetadata } from "./recorder-metadata.ts";

/** RIFF INFO ids with a conventional Vorbis comment name (as libavformat maps them). */
const INFO_TAGS: Record<string, string> = {
  IART: "ARTIST",
  ICMT: "COMMENT",
  INAM: "TITLE",
  ICRD: "DATE",
  IPRD: "ALBUM",
  IGNR: "GENRE",
  ICOP: "COPYRIGHT",
  ISFT: "SOURCE_SOFTWARE",
};

export interface TagInputs {
  metadata: RecorderMetadata;
  plan: RatePlan;
  sourceName: string | undefined;
  encoderName: string;
  encoderOptions: string;
  extra: readonly string[];
}

/**
 * The OpusTags comments for a recording (docs/encode.md lists the mapping):
 * ENCODER / ENCODER_OPTIONS; DATE (the UTC start time); the rate plan (RATE_PLAN,
 * ORIGINAL_SAMPLE_RATE and TIME_EXPANSION, or RESAMPLED_FROM); SOURCE_FILENAME; LIST/INFO
 * entries by their Vorbis names (IART → ARTIST, ICMT → COMMENT, others INFO_<id>);
 * GUANO=<the whole GUANO text>; a FLAC source's own Vorbis comments as they were (its
 * ENCODER as SOURCE_ENCODER); then the caller's `tags`.
 */
export function opusTagComments(inputs: TagInputs): string[] {
  const { metadata, plan } = inputs;
  const tags: string[] = [`ENCODER=${inputs.encoderName}`, `ENCODER_OPTIONS=${inputs.encoderOptions}`];
  if (metadata.recordedAt !== null) tags.push(`DATE=${metadata.recordedAt}`);
  tags.push(`RATE_PLAN=${plan.kind}`);
  if (plan.kind === "time-expanded") {
    tags.push(`ORIGINAL_SAMPLE_RATE=${plan.originalSampleRate}`, `TIME_EXPANSION=${plan.timeExpansion}`);
  } else if (plan.kind === "resampled") tags.push(`RESAMPLED_FROM=${plan.resampledFrom}`);
  else if (plan.kind === "upsampled") tags.push(`ORIGINAL_SAMPLE_RATE=${plan.sourceRate}`);
  if (inputs.sourceName !== undefined) tags.push(`SOURCE_FILENAME=${baseName(inputs.sourceName)}`);
  for (const { id, text } of metadata.info) {
    if (text === "") continue;
    const name = INFO_TAGS[id] ?? `INFO_${id.replace(/[^\x20-\x3c\x3e-\x7d]/g, "_")}`;
    if (name === "DATE" && metadata.recordedAt !== null) continue;
    tags.push(`${name}=${text}`);
  }
  if (metadata.guano !== null) tags.push(`GUANO=${metadata.guano.raw}`);
  for (const comment of metadata.vorbisComments) {
    const name = comment.slice(0, Math.max(0, comment.indexOf("="))).toUpperCase();
    if (name === "ENCODER") tags.push(`SOURCE_ENCODER=${comment.slice(comment.indexOf("=") + 1)}`);
    else if (name !== "" && !(name === "DATE" && metadata.recordedAt !== null)) tags.push(comment);
  }
  tags.push(...inputs.extra);
  return tags;
}

const baseName = (name: string): string => name.slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1);
