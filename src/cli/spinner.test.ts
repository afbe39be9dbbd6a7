// Without a terminal, progress is plain lines, each message once; on a terminal it redraws one line.
import { describe, expect, it } from "vitest";
import { createSpinner } from "./spinner.js";

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const stream = {
    isTTY,
    columns: 40,
    text: "",
    write(chunk: string) {
      stream.text += chunk;
      return true;
    },
  };
  return stream as unknown as NodeJS.WriteStream & { text: string };
}

describe("spinner", () => {
  it("prints each distinct message once as a plain line when stderr is not a terminal", () => {
    const stream = fakeStream(false);
    const spinner = createSpinner(stream);
    spinner.update("Building the image");
    spinner.update("Building the image");
    spinner.log("Step 1/2 : FROM base");
    spinner.update("Saving the image");
    spinner.stop();
    expect(stream.text).toBe("Building the image\nStep 1/2 : FROM base\nSaving the image\n");
    expect(stream.text).not.toContain("\x1b");
  });

  it("redraws a single line on a terminal and clears it when stopped", () => {
    const stream = fakeStream(true);
    const spinner = createSpinner(stream);
    spinner.update("Building the image: a step whose description is far too long for the line");
    spinner.log("a log line");
    spinner.stop();
    expect(stream.text).toContain("\r\x1b[2K⠋ Building the image: a step whose des…");
    expect(stream.text).toContain("\r\x1b[2Ka log line\n");
    expect(stream.text.endsWith("\r\x1b[2K")).toBe(true);
  });
});
