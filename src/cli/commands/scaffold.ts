// `msehome scaffold <name>`: flags and output; the work is in provider/scaffold.
import { InvalidArgumentError, type Command } from "commander";
import { APP_NAME_EXPECTATION, appNameProblem } from "../../model/appName.js";
import { contextOf, printResult } from "../output.js";

function parseName(name: string): string {
  const problem = appNameProblem(name);
  if (problem !== undefined) throw new InvalidArgumentError(`${problem}; expected ${APP_NAME_EXPECTATION}.`);
  return name;
}

export function registerScaffold(program: Command): void {
  program
    .command("scaffold")
    .summary("[provider] create a new app: code, tests, mse.toml, Dockerfile, example secrets")
    .description(
      "Create a new app directory <name>/: a dependency-free Node.js app, its tests, mse.toml, a Dockerfile and freshly generated example secrets. Refuses a non-empty directory.",
    )
    .argument("<name>", `the app's name, also its directory name: ${APP_NAME_EXPECTATION}`, parseName)
    .action(async (name: string, _options: unknown, command: Command) => {
      const { scaffold } = await import("../../provider/scaffold.js");
      const result = await scaffold(name);
      printResult(contextOf(command), result, () =>
        [
          `Created ${name}/ with:`,
          ...result.files.map((file) => `  ${file}`),
          `secrets.json and secrets_to_seal.json hold fresh keys: keep them private. Next: read ${name}/README.md.`,
        ].join("\n"),
      );
    });
}
