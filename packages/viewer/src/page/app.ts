import { clip, encodeWav, extract, type Segment, webDecoderFactory } from "@granule/extract";
import { renderImage, type SpectrogramImage, spectrogram } from "@granule/spectrogram";
import {
  type ArchivedRecording,
  type Collection,
  HttpStore,
  listRecordings,
  openCollection,
  openRecording,
  type RecordingSummary,
} from "@granule/zarr-opus";
import { detailOptions } from "../detail.ts";
import { computeOverview, type Overview } from "../overview.ts";
import { defaultSpeed, playbackNote, speedLabel, speedsFor } from "../playback-speed.ts";
import { formatSeconds, type Selection, segmentRow, selectionFromSeconds } from "../selection.ts";

export interface ViewerOptions {
  /** The collection's URL, absolute or relative to the page. */
  archive: string;
  /** Decode workers for the overview (Web Workers); 0 decodes on the page's thread. Default 2 where Workers exist. */
  workers?: number;
  /**
   * Most overview probes (columns). Default 1000 (and the canvas width). With pages of about
   * 1 s, as encoders write them, probes less than about 2 s apart read most pages: fewer
   * probes read less (see docs/viewer.md).
   */
  overviewColumns?: number;
  /** Overview byte ranges closer than this are fetched in one request. Default 64 KiB. */
  overviewGapBytes?: number;
}

/** What a selection decoded: for people (the status line) and for tests (`window.granuleViewer`). */
export interface SelectionResult {
  recordingId: string;
  startSample: number;
  endSample: number;
  sampleRate: number;
  channels: number;
  decodedSamples: number;
  row: string;
  fftSize: number;
  bytesRead: number;
  requests: number;
  milliseconds: number;
}

export interface OverviewResult {
  recordingId: string;
  probes: number;
  spans: number;
  bytesRead: number;
  requests: number;
  milliseconds: number;
}

export interface PlaybackResult {
  speed: number;
  bufferSampleRate: number;
  frames: number;
  note: string;
}

const OVERVIEW_HEIGHT = 180;
const DETAIL_HEIGHT = 320;

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  properties: Partial<HTMLElementTagNameMap[K]> = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), properties);
  node.append(...children);
  return node;
}

function requestsText(count: number): string {
  return `${count} request${count === 1 ? "" : "s"}`;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function draw(canvas: HTMLCanvasElement, image: SpectrogramImage): void {
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext("2d")!;
  context.putImageData(new ImageData(image.data as Uint8ClampedArray<ArrayBuffer>, image.width, image.height), 0, 0);
}

function download(bytes: Uint8Array, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  const link = element("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The viewer: the recordings of a collection over HTTP, an overview of one, a detailed
 * spectrogram of a range dragged on it, playback (slowed down for ultrasound), WAV and clip
 * downloads and a segments-table row. Everything is read with Range requests and decoded here.
 */
export class Viewer {
  readonly ready: Promise<RecordingSummary[]>;
  private collection: Collection | undefined;
  private recording: ArchivedRecording | undefined;
  private overview: { image: SpectrogramImage; result: Overview } | undefined;
  private selection: Selection | undefined;
  private segment: Segment | undefined;
  private audio: AudioContext | undefined;
  private playing: AudioBufferSourceNode | undefined;
  private readonly archiveUrl: string;
  private readonly workers: number;
  private readonly overviewColumns: number;
  private readonly overviewGapBytes: number;
  private readonly ui;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly root: HTMLElement,
    options: ViewerOptions,
  ) {
    this.archiveUrl = new URL(options.archive, document.baseURI).href;
    const hasWorkers = typeof Worker === "function";
    this.workers = options.workers ?? (hasWorkers ? 2 : 0);
    this.overviewColumns = options.overviewColumns ?? 1000;
    this.overviewGapBytes = options.overviewGapBytes ?? 65_536;
    this.ui = this.build();
    this.ready = this.load();
  }

  private build() {
    const status = element("p", { className: "status", role: "status" });
    const list = element("table", { className: "recordings" });
    const info = element("dl", { className: "info" });
    const overview = element("canvas", { className: "overview", title: "drag to select a range" });
    const overviewNote = element("p", { className: "note" });
    const detail = element("canvas", { className: "detail" });
    const start = element("input", { type: "text", className: "time", ariaLabel: "start (s)" });
    const end = element("input", { type: "text", className: "time", ariaLabel: "end (s)" });
    const apply = element("button", { type: "button", textContent: "Show" });
    const speed = element("select", { ariaLabel: "playback speed" });
    const play = element("button", { type: "button", textContent: "Play" });
    const stop = element("button", { type: "button", textContent: "Stop" });
    const wav = element("button", { type: "button", textContent: "Download WAV" });
    const opus = element("button", { type: "button", textContent: "Download clip (.opus)" });
    const row = element("input", { type: "text", readOnly: true, className: "row", ariaLabel: "segments row" });
    const copy = element("button", { type: "button", textContent: "Copy row" });
    const playNote = element("p", { className: "note play-note" });
    const controls = element("div", { className: "controls" }, [
      element("label", {}, ["start ", start, " s"]),
      element("label", {}, ["end ", end, " s"]),
      apply,
      element("span", { className: "spacer" }),
      speed,
      play,
      stop,
      wav,
      opus,
    ]);
    const rowLine = element("div", { className: "controls" }, [
      element("label", {}, ["recording,start,end ", row]),
      copy,
    ]);
    const selected = element("section", { className: "selected", hidden: true }, [
      element("h2", { textContent: "Recording" }),
      info,
      overview,
      overviewNote,
      controls,
      playNote,
      detail,
      rowLine,
    ]);
    this.root.replaceChildren(
      element("header", {}, [
        element("h1", { textContent: "granule viewer" }),
        element("p", { className: "archive" }, [this.archiveUrl]),
      ]),
      status,
      element("section", {}, [element("h2", { textContent: "Recordings" }), list]),
      selected,
    );

    const onTimes = () => {
      const rec = this.recording;
      if (rec === undefined) return;
      void this.select(Number(start.value), Number(end.value)).catch(() => undefined);
    };
    apply.addEventListener("click", onTimes);
    for (const input of [start, end]) input.addEventListener("keydown", (e) => e.key === "Enter" && onTimes());
    play.addEventListener("click", () => void this.play(Number(speed.value)).catch((e) => this.fail(e)));
    stop.addEventListener("click", () => this.stop());
    wav.addEventListener("click", () => void this.downloadWav().catch((e) => this.fail(e)));
    opus.addEventListener("click", () => void this.downloadClip().catch((e) => this.fail(e)));
    copy.addEventListener("click", () => void this.copyRow());
    this.dragOn(overview);
    return {
      status,
      list,
      info,
      overview,
      overviewNote,
      detail,
      start,
      end,
      speed,
      row,
      playNote,
      selected,
      wav,
      opus,
    };
  }

  private say(text: string, error = false): void {
    this.ui.status.textContent = text;
    this.ui.status.classList.toggle("error", error);
  }

  private fail(error: unknown): void {
    const e = error as Error;
    this.say(
      `${e.name}${(e as { code?: string }).code ? ` (${(e as { code?: string }).code})` : ""}: ${e.message}`,
      true,
    );
  }

  /** Requests and bytes the archive's HTTP store has fetched so far. */
  private traffic(): { requests: number; bytes: number } {
    const store = this.collection?.store;
    return store instanceof HttpStore
      ? { requests: store.requests, bytes: store.bytesReceived }
      : { requests: 0, bytes: 0 };
  }

  private async load(): Promise<RecordingSummary[]> {
    this.say(`opening ${this.archiveUrl} ...`);
    try {
      this.collection = await openCollection(this.archiveUrl);
      const recordings = await listRecordings(this.collection);
      this.showList(recordings);
      this.say(`${recordings.length} recording${recordings.length === 1 ? "" : "s"} in ${this.archiveUrl}`);
      return recordings;
    } catch (error) {
      this.fail(error);
      throw error;
    }
  }

  private showList(recordings: RecordingSummary[]): void {
    const head = element(
      "tr",
      {},
      ["id", "recorded at (UTC)", "device", "duration", "rate", "channels", "source"].map((h) =>
        element("th", { textContent: h }),
      ),
    );
    const rows = recordings.map((r) => {
      const rate =
        r.sampleRate > 48_000
          ? `${r.sampleRate / 1000} kHz (time-expanded ×${r.sampleRate / 48_000})`
          : `${r.sampleRate / 1000} kHz`;
      const tr = element(
        "tr",
        { tabIndex: 0, className: "recording" },
        [
          r.id,
          r.recordedAt ?? "unknown",
          r.deviceId ?? "",
          `${formatSeconds(r.totalSamples, r.sampleRate)} s`,
          rate,
          String(r.channels),
          r.sourceName ?? "",
        ].map((text) => element("td", { textContent: text })),
      );
      tr.dataset.id = r.id;
      const open = () => void this.open(r.id).catch(() => undefined);
      tr.addEventListener("click", open);
      tr.addEventListener("keydown", (e) => e.key === "Enter" && open());
      return tr;
    });
    this.ui.list.replaceChildren(element("thead", {}, [head]), element("tbody", {}, rows));
  }

  /** Runs one job at a time, so that a slow overview and a quick selection do not interleave. */
  private queue<T>(job: () => Promise<T>): Promise<T> {
    const reported = () =>
      job().catch((error: unknown) => {
        this.fail(error);
        throw error;
      });
    const next = this.busy.then(reported, reported);
    this.busy = next.catch(() => undefined);
    return next;
  }

  /** Opens a recording and draws its overview. */
  open(id: string): Promise<OverviewResult> {
    return this.queue(async () => {
      if (this.collection === undefined) await this.ready;
      this.stop();
      this.say(`opening recording ${id} ...`);
      const before = this.traffic();
      const started = performance.now();
      const rec = await openRecording(this.collection!, id);
      this.recording = rec;
      this.selection = undefined;
      this.segment = undefined;
      for (const tr of this.ui.list.querySelectorAll("tr.recording")) {
        tr.classList.toggle("current", (tr as HTMLElement).dataset.id === id);
      }
      this.showInfo(rec);
      this.ui.selected.hidden = false;
      const speeds = speedsFor(rec.sampleRate);
      this.ui.speed.replaceChildren(
        ...speeds.map((s) => element("option", { value: String(s), textContent: speedLabel(s) })),
      );
      this.ui.speed.value = String(defaultSpeed(rec.sampleRate));
      this.ui.detail.width = 0;
      this.ui.row.value = "";
      this.ui.playNote.textContent = "";

      const width = Math.max(200, this.ui.selected.clientWidth - 80);
      this.say(`recording ${id}: computing the overview ...`);
      const result = await computeOverview(rec, {
        columns: Math.min(width, this.overviewColumns),
        gapBytes: this.overviewGapBytes,
        workers: this.workers,
        ...(this.workers > 0 ? { workerFactory: webDecoderFactory } : {}),
      });
      const image = renderImage(result.spectrogram, { width, height: OVERVIEW_HEIGHT, axes: true });
      this.overview = { image, result };
      draw(this.ui.overview, image);
      const after = this.traffic();
      const milliseconds = performance.now() - started;
      const spacing = result.spectrogram.hopSize / rec.sampleRate;
      this.ui.overviewNote.textContent =
        `overview: ${result.probes} probes of ${result.spectrogram.fftSize} samples, one every ` +
        `${spacing.toFixed(spacing < 1 ? 3 : 1)} s (a sound shorter than that may fall between two); drag to select`;
      this.say(
        `recording ${id} opened and overview drawn in ${(milliseconds / 1000).toFixed(2)} s: ` +
          `${kib(after.bytes - before.bytes)} in ${requestsText(after.requests - before.requests)}`,
      );
      return {
        recordingId: id,
        probes: result.probes,
        spans: result.spans,
        bytesRead: after.bytes - before.bytes,
        requests: after.requests - before.requests,
        milliseconds,
      };
    });
  }

  private showInfo(rec: ArchivedRecording): void {
    const { info } = rec;
    const entries: [string, string][] = [
      ["id", info.id],
      ["source", info.sourceName ?? "unknown"],
      [
        "recorded at",
        info.recordedAt
          ? `${info.recordedAt}${info.utcOffset ? ` (recorder clock ${info.utcOffset})` : ""}`
          : "unknown",
      ],
      ["device", info.deviceId ?? "unknown"],
      ["location", info.location ? JSON.stringify(info.location) : "none"],
      ["duration", `${formatSeconds(info.totalSamples, info.sampleRate)} s (${info.totalSamples} samples)`],
      [
        "sample rate",
        info.timeExpansion !== 1
          ? `${info.sampleRate} Hz (stored as 48 kHz Opus, time expansion ×${info.timeExpansion})`
          : `${info.sampleRate} Hz`,
      ],
      ["channels", String(info.channels)],
      ["SHA-256", info.sha256],
      ["metadata", Object.keys(info.metadata).length > 0 ? JSON.stringify(info.metadata) : "none"],
    ];
    this.ui.info.replaceChildren(
      ...entries.flatMap(([k, v]) => [element("dt", { textContent: k }), element("dd", { textContent: v })]),
    );
  }

  /** Seconds of the recording's time under an x position (CSS pixels) of the overview. */
  private secondsAt(clientX: number): number | undefined {
    const overview = this.overview;
    if (overview === undefined) return undefined;
    const box = this.ui.overview.getBoundingClientRect();
    const x = ((clientX - box.left) * this.ui.overview.width) / box.width;
    const { plot, seconds } = overview.image;
    const fraction = Math.max(0, Math.min(1, (x - plot.x) / plot.width));
    return Math.max(0, seconds.start + fraction * (seconds.end - seconds.start));
  }

  private dragOn(canvas: HTMLCanvasElement): void {
    let from: number | undefined;
    canvas.addEventListener("pointerdown", (event) => {
      from = this.secondsAt(event.clientX);
      if (from === undefined) return;
      canvas.setPointerCapture(event.pointerId);
      this.mark(from, from);
    });
    canvas.addEventListener("pointermove", (event) => {
      if (from === undefined) return;
      this.mark(from, this.secondsAt(event.clientX)!);
    });
    canvas.addEventListener("pointerup", (event) => {
      if (from === undefined) return;
      const to = this.secondsAt(event.clientX)!;
      const start = from;
      from = undefined;
      if (Math.abs(to - start) < 1e-6) return;
      void this.select(start, to).catch(() => undefined);
    });
  }

  /** Redraws the overview with a selection band from `a` to `b` seconds. */
  private mark(a: number, b: number): void {
    const overview = this.overview;
    if (overview === undefined) return;
    draw(this.ui.overview, overview.image);
    const { plot, seconds } = overview.image;
    const x = (s: number) => plot.x + ((s - seconds.start) / (seconds.end - seconds.start)) * plot.width;
    const context = this.ui.overview.getContext("2d")!;
    context.fillStyle = "rgba(255, 255, 255, 0.3)";
    context.strokeStyle = "rgba(255, 64, 64, 0.9)";
    const left = x(Math.min(a, b));
    const width = Math.max(1, x(Math.max(a, b)) - left);
    context.fillRect(left, plot.y, width, plot.height);
    context.strokeRect(left + 0.5, plot.y + 0.5, width - 1, plot.height - 1);
  }

  /** Selects [fromSeconds, toSeconds) (snapped to whole samples), decodes it exactly and draws it. */
  select(fromSeconds: number, toSeconds: number): Promise<SelectionResult> {
    return this.queue(async () => {
      const rec = this.recording;
      if (rec === undefined) throw new Error("open a recording first");
      this.stop();
      const selection = selectionFromSeconds(fromSeconds, toSeconds, rec.sampleRate, rec.index.totalSamples);
      const startText = formatSeconds(selection.startSample, rec.sampleRate);
      const endText = formatSeconds(selection.endSample, rec.sampleRate);
      this.ui.start.value = startText;
      this.ui.end.value = endText;
      this.mark(selection.startSample / rec.sampleRate, selection.endSample / rec.sampleRate);
      this.say(`decoding ${startText}-${endText} s ...`);
      const before = this.traffic();
      const started = performance.now();
      const segment = await extract(rec, selection);
      const samples = segment.channels[0]!.length;
      const width = Math.max(200, this.ui.selected.clientWidth - 80);
      const options = detailOptions(samples, width);
      const spec = spectrogram(segment, options);
      draw(this.ui.detail, renderImage(spec, { width, height: DETAIL_HEIGHT, axes: true }));
      this.selection = selection;
      this.segment = segment;
      const row = segmentRow(rec.id, selection, rec.sampleRate);
      this.ui.row.value = row;
      const after = this.traffic();
      const milliseconds = performance.now() - started;
      this.say(
        `${startText}-${endText} s: ${samples} samples × ${segment.channels.length} channel${segment.channels.length === 1 ? "" : "s"} ` +
          `decoded in ${milliseconds.toFixed(0)} ms, ${kib(after.bytes - before.bytes)} in ${requestsText(after.requests - before.requests)} ` +
          `(FFT ${options.fftSize}, hop ${options.hopSize})`,
      );
      return {
        recordingId: rec.id,
        startSample: selection.startSample,
        endSample: selection.endSample,
        sampleRate: rec.sampleRate,
        channels: segment.channels.length,
        decodedSamples: samples,
        row,
        fftSize: options.fftSize!,
        bytesRead: after.bytes - before.bytes,
        requests: after.requests - before.requests,
        milliseconds,
      };
    });
  }

  /**
   * Plays the selection at `speed` (1 = real time). The decoded samples go into a WebAudio
   * buffer labelled `sampleRate × speed`: at 1/10, a 384 kHz recording's buffer is 38.4 kHz,
   * so 80 kHz sounds as 8 kHz and a 5 ms call lasts 50 ms.
   */
  async play(speed: number): Promise<PlaybackResult> {
    const rec = this.recording;
    const segment = this.segment;
    if (rec === undefined || segment === undefined) throw new Error("select a range first");
    if (!speedsFor(rec.sampleRate).includes(speed))
      throw new RangeError(`speed ${speed} is not offered for ${rec.sampleRate} Hz`);
    this.stop();
    this.audio ??= new AudioContext();
    const bufferSampleRate = Math.round(rec.sampleRate * speed);
    const frames = segment.channels[0]!.length;
    const buffer = this.audio.createBuffer(segment.channels.length, frames, bufferSampleRate);
    segment.channels.forEach((channel, c) => {
      buffer.copyToChannel(channel as Float32Array<ArrayBuffer>, c);
    });
    const source = this.audio.createBufferSource();
    source.buffer = buffer;
    source.connect(this.audio.destination);
    const note = playbackNote(speed, rec.sampleRate);
    this.ui.playNote.textContent = `${note} (${(frames / bufferSampleRate).toFixed(2)} s)`;
    source.addEventListener("ended", () => {
      if (this.playing === source) this.playing = undefined;
    });
    this.playing = source;
    source.start();
    await this.audio.resume().catch(() => undefined);
    return { speed, bufferSampleRate, frames, note };
  }

  stop(): void {
    this.playing?.stop();
    this.playing = undefined;
  }

  private fileStem(): string {
    const rec = this.recording!;
    const s = this.selection!;
    return `${rec.id}_${formatSeconds(s.startSample, rec.sampleRate)}-${formatSeconds(s.endSample, rec.sampleRate)}`;
  }

  /** The selection as a 16-bit WAV file at the recording's true rate (as `granule extract` writes it). */
  wavBytes(): Uint8Array {
    const rec = this.recording;
    const segment = this.segment;
    if (rec === undefined || segment === undefined) throw new Error("select a range first");
    return encodeWav(segment.channels, segment.sampleRate, { mappingFamily: rec.index.head.mappingFamily });
  }

  async downloadWav(): Promise<void> {
    download(this.wavBytes(), `${this.fileStem()}.wav`, "audio/wav");
  }

  /** The selection as a stream-copy Opus clip (`clip` from @granule/extract: no re-encoding). */
  async clipBytes(): Promise<Uint8Array> {
    const rec = this.recording;
    const s = this.selection;
    if (rec === undefined || s === undefined) throw new Error("select a range first");
    return clip(rec, s);
  }

  async downloadClip(): Promise<void> {
    download(await this.clipBytes(), `${this.fileStem()}.opus`, "audio/ogg");
  }

  private async copyRow(): Promise<void> {
    const row = this.ui.row.value;
    if (row === "") return;
    try {
      await navigator.clipboard.writeText(row);
      this.say(`copied: ${row}`);
    } catch {
      // No clipboard (not a secure context, or refused): leave the row selected to copy by hand.
      this.ui.row.select();
      this.say("the clipboard is not available here: the row is selected, copy it with Ctrl+C");
    }
  }
}

/** Starts the viewer in `root`. */
export function mountViewer(root: HTMLElement, options: ViewerOptions): Viewer {
  return new Viewer(root, options);
}
