import type { SpectrogramArguments } from "../commands/spectrogram.ts";
import type { RegisterCommand } from "./context.ts";
import { segmentsEncodingOption, segmentsFormatOption } from "./segments-options.ts";

export const registerSpectrogram: RegisterCommand = (program, context) => {
  program
    .command("spectrogram")
    .description("draw a range as a spectrogram PNG (real Hz), or one per row of a label table")
    .argument(
      "<source>",
      "a .opus/.ogg file, archive.zarr/<id>, an archive (with UTC --start/--end, or --segments), or an http(s):// URL",
    )
    .option(
      "--start <time>",
      "start: seconds, hh:mm:ss.sss, a unit (1500ms); for an archive, UTC (2025-04-16T05:40:00Z)",
    )
    .option("--end <time>", "end (exclusive)")
    .option("--start-sample <n>", "start sample")
    .option("--end-sample <n>", "end sample (exclusive)")
    .option(
      "--segments <table>",
      "a label table, as extract reads it (Raven, Audacity, BirdNET, Kaleidoscope, CSV): one picture per row, in --out-dir",
    )
    .addOption(segmentsFormatOption())
    .addOption(segmentsEncodingOption())
    .option("--clip-to-end", "cut rows that run past their recording's end at the end (reported)")
    .option("--skip-invalid", "leave out rows that cannot be drawn (past the end, unknown recording), reported")
    .option("-o, --output <file>", "the PNG file for one range")
    .option("--out-dir <dir>", "directory for one PNG per segment, named <name>.png")
    .option("--overwrite", "replace output files that exist (default: refuse)")
    .option("--width <px>", `width of the plot in pixels (default ${1000})`)
    .option("--pixels-per-second <n>", "width from the duration instead")
    .option("--height <px>", `height of the plot in pixels (default ${400})`)
    .option("--min-hz <hz>", "lowest frequency shown, real Hz (default 0)")
    .option("--max-hz <hz>", "highest frequency shown, real Hz (default: half the true rate)")
    .option("--fft-size <n>", "FFT size, a power of two from 16 to 65536 (default 1024)")
    .option("--hop <n>", "samples between frames (default fft size / 4)")
    .option("--window <name>", "hann, hamming or blackman (default hann)")
    .option("--channel <n>", 'a channel (0-based), or "mean" of the channels\' power (default mean)')
    .option("--floor-db <db>", "quietest value in dB (default -120)")
    .option("--min-db <db>", "dB shown darkest (default: 80 dB below the loudest)")
    .option("--max-db <db>", "dB shown brightest (default: the loudest)")
    .option("--colormap <name>", "viridis or magma (default viridis)")
    .option("--axes", "draw a time axis (s) and a frequency axis (kHz); the image grows by their margins")
    .option("--device <id>", "from an archive by UTC time: the device whose recordings to read")
    .option("--no-device", "the recordings imported without a device id")
    .option("--fill-gaps", "from an archive by UTC time: silence where no recording covers the range")
    .option("--join-tolerance <ms>", "from an archive by UTC time: recordings this close are joined (default 1)")
    .option("--pre-roll <ms>", "decoder pre-roll in milliseconds (default 500)")
    .option("--fill-holes", "silence where the file lost samples, instead of an error")
    .option("--original-rate <hz>", "true rate of a time-expanded plain file (e.g. 384000); archives know theirs")
    .option("--json", "print what was drawn as JSON: sizes, the plot's place, its time and frequency edges")
    .action(async (source: string, options: SpectrogramArguments) => {
      const { runSpectrogramCommand } = await import("../commands/spectrogram.ts");
      await runSpectrogramCommand(source, options, context);
    });
};
