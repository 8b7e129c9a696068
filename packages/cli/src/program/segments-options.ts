import { Option } from "commander";

/**
 * `--segments-format`, as extract and spectrogram take it: the labels package's formats,
 * written out here so that starting the program does not load the table readers.
 */
export function segmentsEncodingOption(): Option {
  return new Option(
    "--segments-encoding <name>",
    "the --segments table's text encoding, e.g. windows-1252 (default: UTF-8, or UTF-16 with a BOM)",
  );
}

export function segmentsFormatOption(): Option {
  return new Option("--segments-format <format>", "read --segments as this format (default: detected)").choices([
    "csv",
    "raven",
    "audacity",
    "birdnet-csv",
    "kaleidoscope",
  ]);
}
