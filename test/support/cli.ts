// Runs the built msehome CLI as a user would, capturing its streams and exit code.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const CLI_PATH = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Root reads any file whatever its mode; tests of unreadable files run the CLI without the
 * capabilities that allow it (util-linux's setpriv), so mode 000 means unreadable as for any user.
 */
function commandLine(args: string[], dropFilePermissionOverride: boolean): [string, string[]] {
  if (dropFilePermissionOverride && process.getuid?.() === 0) {
    return [
      "setpriv",
      ["--bounding-set=-dac_override,-dac_read_search", "--", process.execPath, CLI_PATH, ...args],
    ];
  }
  return [process.execPath, [CLI_PATH, ...args]];
}

export function runCli(
  args: string[],
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    input?: string;
    dropFilePermissionOverride?: boolean;
  } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const [command, argv] = commandLine(args, options.dropFilePermissionOverride === true);
    const child = spawn(command, argv, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}
