// Entry of the bundled stand-ins: `run(tool)` runs one of them on this process's arguments. The
// Gramine installation is fixed when the bundle is made, as the real tools' is at build time.
import { type GramineTool, runGramineTool } from "./tools.js";

declare const GRAMINE_PKGLIBDIR: string;

export function run(tool: GramineTool): void {
  process.exitCode = runGramineTool(
    tool,
    process.argv.slice(2),
    { pkglibdir: GRAMINE_PKGLIBDIR },
    { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) },
  );
}
