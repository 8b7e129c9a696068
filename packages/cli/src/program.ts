import { Command } from "commander";
import { registerClip } from "./program/clip.ts";
import type { CommandContext, Io, RegisterCommand } from "./program/context.ts";
import { registerEncode } from "./program/encode.ts";
import { registerExtract } from "./program/extract.ts";
import { registerImport } from "./program/import.ts";
import { registerIndex } from "./program/index-file.ts";
import { registerInfo } from "./program/info.ts";
import { registerLabels } from "./program/labels.ts";
import { registerLs } from "./program/ls.ts";
import { registerManifest } from "./program/manifest.ts";
import { registerSample } from "./program/sample.ts";
import { registerSpectrogram } from "./program/spectrogram.ts";
import { registerVerify } from "./program/verify.ts";
import { registerView } from "./program/view.ts";

export type { Io };

interface Global {
  quiet?: boolean;
  debug?: boolean;
}

/** The commands, in the order `granule --help` lists them. Each file registers one. */
const COMMANDS: RegisterCommand[] = [
  registerInfo,
  registerIndex,
  registerImport,
  registerEncode,
  registerLs,
  registerExtract,
  registerSample,
  registerClip,
  registerLabels,
  registerManifest,
  registerSpectrogram,
  registerVerify,
  registerView,
];

/** The `granule` command. Each action sets `state.exitCode`. */
export function buildProgram(
  io: Io,
  state: { exitCode: number },
  version: string,
  signal: AbortSignal = new AbortController().signal,
): Command {
  const program = new Command("granule")
    .description("Sample-exact segments, indexes, clips and archives of Ogg Opus recordings")
    .version(version)
    .option("-q, --quiet", "no progress bars or summaries on stderr")
    .option("--debug", "show stack traces of unexpected errors")
    .showHelpAfterError("(run granule --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      outputError: (text, write) => write(`granule: ${text.replace(/^error: /, "")}`),
    });
  const quiet = () => !!program.opts<Global>().quiet;
  const context: CommandContext = {
    io,
    state,
    quiet,
    signal,
    json: (value) => io.out(`${JSON.stringify(value, null, 2)}\n`),
    note: (text) => {
      if (!quiet()) io.err(`${text}\n`);
    },
  };
  for (const register of COMMANDS) register(program, context);
  return program;
}
