import { formatOffset } from "./guano.ts";

export type AudioMothGain = "low" | "low-medium" | "medium" | "medium-high" | "high";

export type AudioMothStopReason =
  | "low-voltage"
  | "switch-change"
  | "microphone-change"
  | "magnetic-switch"
  | "file-size-limit"
  | "sd-card-write-error";

/** What an AudioMoth's ICMT comment says, firmware 1.0 to 1.11; every field null when absent. */
export interface AudioMothComment {
  raw: string;
  /** The time as written, `YYYY-MM-DDTHH:MM:SS`, in the recorder's clock (`utcOffset`). */
  localTime: string;
  /** The UTC instant. Firmware 1.0 wrote no zone: its times are UTC. */
  recordedAt: string;
  /** `+HH:MM` from `(UTC+2)`, `(UTC-3:30)`; `+00:00` for `(UTC)` and for firmware 1.0. */
  utcOffset: string;
  /** The AudioMoth's 16-hex-digit id (`by AudioMoth 24A04F085FDF2793`); null when a deployment id replaced it. */
  deviceId: string | null;
  /** `during deployment <id>` (firmware 1.5+), written instead of the device id. */
  deploymentId: string | null;
  externalMicrophone: boolean;
  /** The gain by name (firmware 1.4+), and its index 0-4 (numeric in firmware before 1.4). */
  gain: AudioMothGain | null;
  gainIndex: number | null;
  /** Battery voltage; for "less than 2.5V" / "greater than 4.9V" the bound, with `batteryBound`. */
  batteryV: number | null;
  batteryBound: "below" | "above" | null;
  temperatureC: number | null;
  filter: { type: "low-pass" | "high-pass" | "band-pass"; lowHz: number | null; highHz: number | null } | null;
  /** The amplitude threshold as written (`500`, `-40 dB`, `2.5%`), parsed, and its minimum trigger duration. */
  amplitudeThreshold: {
    text: string;
    value: number;
    unit: "raw" | "dB" | "percent";
    minimumDurationS: number | null;
  } | null;
  frequencyTrigger: {
    centreHz: number;
    windowSamples: number;
    thresholdPercent: number;
    minimumDurationS: number;
  } | null;
  /** Why the recording ended early ("Recording stopped ..." / "Recording cancelled before completion ..."). */
  stopped: { reason: AudioMothStopReason | "other"; text: string } | null;
  /** Sentences the parser did not recognise (a newer firmware's), kept as written. */
  unrecognised: string[];
}

const GAINS: readonly AudioMothGain[] = ["low", "low-medium", "medium", "medium-high", "high"];

const HEAD =
  /^Recorded at (\d{2}):(\d{2}):(\d{2}) (\d{2})\/(\d{2})\/(\d{4})(?: \(UTC(?:([+-])(\d{1,2})(?::\s?(\d{1,2}))?)?\))? (?:by AudioMoth ([0-9A-Fa-f]{16})|during deployment ([0-9A-Fa-f]{16})) (using external microphone )?at (?:gain setting (\d)|(low|low-medium|medium|medium-high|high) gain(?: setting)?) while battery (?:state )?was (less than |greater than |< ?|> ?)?(\d+\.\d+)V(?: and temperature was (-?\d+\.\d)C)?\.?/;

/**
 * Parses the comment AudioMoth firmware writes into LIST/INFO ICMT, every published wording:
 * 1.0 (no zone, `gain setting 2`, `4.20V`), 1.0.1 (`(UTC)`), 1.2 (`(UTC+2)`, cancelled
 * recordings), 1.2.2 (`(UTC+5:30)`), 1.4 (named gain, temperature, amplitude threshold,
 * filters), 1.5-1.6 (deployment id, external microphone, "gain while battery was",
 * "Recording stopped"), 1.7 (magnetic switch), 1.8 (frequency trigger) to 1.11 (SD card
 * write error). Returns null when the text is not an AudioMoth comment.
 */
export function parseAudioMothComment(text: string): AudioMothComment | null {
  const raw = text.replace(/\0+$/, "").trim();
  const head = HEAD.exec(raw);
  if (head === null) return null;
  const [
    ,
    hh,
    mm,
    ss,
    dd,
    mo,
    yyyy,
    sign,
    zh,
    zm,
    device,
    deployment,
    external,
    gainNumber,
    gainName,
    bound,
    volts,
    temp,
  ] = head;
  // 1.4.0 wrote minutes-only zones with the sign before a zero hour ("UTC-0:30").
  const offset = sign === undefined ? 0 : (sign === "-" ? -1 : 1) * (Number(zh) * 60 + Number(zm ?? 0));
  const wall = Date.UTC(Number(yyyy), Number(mo) - 1, Number(dd), Number(hh), Number(mm), Number(ss));
  if (Number.isNaN(wall) || new Date(wall).getUTCDate() !== Number(dd)) return null;
  const comment: AudioMothComment = {
    raw,
    localTime: `${yyyy}-${mo}-${dd}T${hh}:${mm}:${ss}`,
    recordedAt: new Date(wall - offset * 60_000).toISOString(),
    utcOffset: formatOffset(offset),
    deviceId: device?.toUpperCase() ?? null,
    deploymentId: deployment?.toUpperCase() ?? null,
    externalMicrophone: external !== undefined,
    gain:
      gainName !== undefined
        ? (gainName as AudioMothGain)
        : gainNumber !== undefined
          ? (GAINS[Number(gainNumber)] ?? null)
          : null,
    gainIndex:
      gainName !== undefined
        ? GAINS.indexOf(gainName as AudioMothGain)
        : gainNumber !== undefined
          ? Number(gainNumber)
          : null,
    batteryV: Number(volts),
    batteryBound: bound === undefined ? null : bound.startsWith("less") || bound.startsWith("<") ? "below" : "above",
    temperatureC: temp === undefined ? null : Number(temp),
    filter: null,
    amplitudeThreshold: null,
    frequencyTrigger: null,
    stopped: null,
    unrecognised: [],
  };
  let rest = raw.slice(head[0].length).trim();
  while (rest !== "") {
    const used = readSentence(comment, rest);
    // An unknown sentence runs to the next full stop that ends one (not the one in "1.0kHz").
    const end = used > 0 ? used : (/\.(?=\s+[A-Z]|$)/.exec(rest)?.index ?? rest.length - 1) + 1;
    if (used === 0) comment.unrecognised.push(rest.slice(0, end).trim());
    rest = rest.slice(end).trim();
  }
  return comment;
}

const kHz = (text: string): number => Math.round(Number(text) * 1000);

type Sentence = [RegExp, (c: AudioMothComment, m: RegExpExecArray) => void];

/** The optional sentences after the first, each firmware wording. */
const SENTENCES: Sentence[] = [
  // 1.4: "Band-pass filter applied with cut-off frequencies of 1.0kHz and 8.0kHz."
  // 1.6+: "Band-pass filter with frequencies of 1.0kHz and 8.0kHz applied."
  [
    /^Band-pass filter (?:applied )?with (?:cut-off )?frequencies of (\d+(?:\.\d+)?)kHz and (\d+(?:\.\d+)?)kHz(?: applied)?\.(?=\s|$)/,
    (c, m) => {
      c.filter = { type: "band-pass", lowHz: kHz(m[1]!), highHz: kHz(m[2]!) };
    },
  ],
  [
    /^(Low|High)-pass filter (?:applied )?with (?:cut-off )?frequency of (\d+(?:\.\d+)?)kHz(?: applied)?\.(?=\s|$)/,
    (c, m) => {
      const hz = kHz(m[2]!);
      c.filter =
        m[1] === "Low" ? { type: "low-pass", lowHz: null, highHz: hz } : { type: "high-pass", lowHz: hz, highHz: null };
    },
  ],
  // "Amplitude threshold was 500." (1.4) / "... was -40 dB with 5s minimum trigger duration." / "2.5%"
  [
    /^Amplitude threshold was (-?\d+(?:\.\d+)?)( ?dB|%)?(?: with (\d+)s minimum trigger duration)?\.(?=\s|$)/,
    (c, m) => {
      c.amplitudeThreshold = {
        text: `${m[1]}${m[2] ?? ""}`,
        value: Number(m[1]),
        unit: m[2] === undefined ? "raw" : m[2] === "%" ? "percent" : "dB",
        minimumDurationS: m[3] === undefined ? null : Number(m[3]),
      };
    },
  ],
  // 1.8+: "Frequency trigger (48.0kHz and window length of 16 samples) threshold was 10.0% with 5s minimum trigger duration."
  [
    /^Frequency trigger \((\d+(?:\.\d+)?)kHz and window length of (\d+) samples\) threshold was (\d*\.?\d+)% with (\d+)s minimum trigger duration\.(?=\s|$)/,
    (c, m) => {
      c.frequencyTrigger = {
        centreHz: kHz(m[1]!),
        windowSamples: Number(m[2]),
        thresholdPercent: Number(m[3]),
        minimumDurationS: Number(m[4]),
      };
    },
  ],
  // 1.2.1: "Recording cancelled before completion due to low battery voltage." 1.6+: "Recording stopped due to ..."; 1.7+: "... by magnetic switch."
  [
    /^Recording (?:stopped|cancelled before completion) (?:due to |by )?([^.]*)\.(?=\s|$)/,
    (c, m) => {
      c.stopped = { reason: stopReason(m[1]!), text: m[0] };
    },
  ],
];

/** Reads the known sentence at the start of `s`; returns its length, 0 when none matches. */
function readSentence(c: AudioMothComment, s: string): number {
  for (const [pattern, read] of SENTENCES) {
    const m = pattern.exec(s);
    if (m !== null) {
      read(c, m);
      return m[0].length;
    }
  }
  return 0;
}

function stopReason(text: string): AudioMothStopReason | "other" {
  if (/low (?:battery )?voltage/.test(text)) return "low-voltage";
  if (/switch position/.test(text)) return "switch-change";
  if (/microphone change/.test(text)) return "microphone-change";
  if (/magnetic switch/.test(text)) return "magnetic-switch";
  if (/file size limit/.test(text)) return "file-size-limit";
  if (/SD card write error/.test(text)) return "sd-card-write-error";
  return "other";
}

/** The device id in AudioMoth's IART (`AudioMoth 24A04F085FDF2793`), or null. */
export function parseAudioMothArtist(text: string): string | null {
  const match = /^AudioMoth ([0-9A-Fa-f]{16})$/.exec(text.trim());
  return match === null ? null : match[1]!.toUpperCase();
}
