import { Option } from "commander";

/**
 * `--segments-format`, as extract and spectrogram take it: the labels package's formats,
 * written out here so that starting the program does not load the table readers.
 */
export function segmentsFormatOption(): Option {
  return new Option("--segments-format <format>", "read --segments as this format (default: detected)").choices([
    "csv",
    "raven",
    "audacity",
    "birdnet-csv",
    "kaleidoscope",
  ]);
}
