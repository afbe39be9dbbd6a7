// Builds dist/ once when it is missing, so CLI tests can run the real `msehome` binary.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export default function setup(): void {
  if (!existsSync("dist/cli/main.js")) {
    execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
  }
}
