// The msehome command tree. Each command module declares its flags and loads its use case lazily.
import { Command, Option } from "commander";
import { MSEHOME_VERSION } from "../version.js";
import { commandModules } from "./commands/index.js";

export function createProgram(): Command {
  const program = new Command("msehome")
    .description(
      "Deploy a confidential web app in an Intel SGX enclave on your own hardware, and prove with Intel DCAP remote attestation that exactly your code runs there.",
    )
    .version(MSEHOME_VERSION, "-V, --version", "print the msehome version")
    .addOption(new Option("--json", "print the command's result as JSON on stdout"))
    .addOption(new Option("-v, --verbose", "print more detail on stderr"))
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(text.startsWith("error:") ? text : `error: ${text}`),
    });
  for (const register of commandModules) register(program);
  return program;
}
