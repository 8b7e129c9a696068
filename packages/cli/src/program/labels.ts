import type { LabelsConvertArguments } from "../commands/labels-convert.ts";
import type { RegisterCommand } from "./context.ts";

export const registerLabels: RegisterCommand = (program, context) => {
  const labels = program.command("labels").description("label tables: Raven, Audacity, BirdNET, Kaleidoscope, CSV");
  labels
    .command("convert")
    .description("convert a label table to another format, every position exact")
    .argument("<table>", "the table (format detected from its content)")
    .requiredOption("-o, --output <file>", "the converted table; - for stdout")
    .requiredOption("--to <format>", "raven, audacity, birdnet, kaleidoscope or csv")
    .option("--from <format>", "read the table as this format (default: detected)")
    .option("--encoding <name>", "the table's text encoding, e.g. windows-1252 (default: UTF-8, or UTF-16 with a BOM)")
    .option("--rate <hz>", "the recording's true rate, to write sample positions as seconds")
    .option("--recording-start <iso>", "the recording's start, to write UTC positions as seconds")
    .option(
      "--archive <archive>",
      "find each row's recording in this archive: its rate, recordedAt, and (Raven) its place in the table",
    )
    .option("--label-column <name>", "the column the labels go to (default: the format's)")
    .option("--positions <kind>", "csv: write seconds or samples (default: samples when every row has them)")
    .option("--overwrite", "replace the output if it exists")
    .action(async (table: string, options: LabelsConvertArguments) => {
      const { runLabelsConvert } = await import("../commands/labels-convert.ts");
      await runLabelsConvert(table, options, context);
    });
};
