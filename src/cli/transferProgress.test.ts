// Transfer progress: bytes and rate in the spinner line on a terminal, nothing added elsewhere.
import { describe, expect, it } from "vitest";
import type { Spinner } from "./spinner.js";
import { createTransferProgress, formatBytes } from "./transferProgress.js";

function recordingSpinner(): Spinner & { lines: string[] } {
  const lines: string[] = [];
  return { lines, update: (m) => lines.push(m), log: (l) => lines.push(l), stop: () => undefined };
}

describe("transfer progress", () => {
  it("shows bytes and rate of the step under way on a terminal, at most four times a second", () => {
    const spinner = recordingSpinner();
    let clock = 1_000;
    const progress = createTransferProgress(spinner, { interactive: true, now: () => clock });
    progress.phase("Loading the image");
    clock += 2_000;
    progress.bytes(300 * 1024 * 1024);
    clock += 100;
    progress.bytes(310 * 1024 * 1024);
    clock += 200;
    progress.bytes(400 * 1024 * 1024);
    expect(spinner.lines).toEqual([
      "Loading the image",
      "Loading the image: 300.0 MiB at 150.0 MiB/s",
      "Loading the image: 400.0 MiB at 173.9 MiB/s",
    ]);
  });

  it("adds nothing when stderr is no terminal: the step's line alone", () => {
    const spinner = recordingSpinner();
    let clock = 0;
    const progress = createTransferProgress(spinner, { interactive: false, now: () => clock });
    progress.phase("Saving the image into package_app_1.tar");
    clock += 5_000;
    progress.bytes(1024 ** 3);
    expect(spinner.lines).toEqual(["Saving the image into package_app_1.tar"]);
  });

  it("formats sizes in binary units", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(1.25 * 1024 ** 3)).toBe("1.3 GiB");
  });
});
