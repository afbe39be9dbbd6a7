// Progress on stderr: an animated spinner line on a terminal, plain lines (each message once) otherwise.

export interface Spinner {
  /** Shows what is happening now. */
  update(message: string): void;
  /** Prints a line above the spinner (e.g. a build log line) without garbling it. */
  log(line: string): void;
  /** Removes the spinner line; later output starts on a clean line. */
  stop(): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const INTERVAL_MS = 100;

export function createSpinner(stream: NodeJS.WriteStream = process.stderr): Spinner {
  if (!stream.isTTY) {
    let last = "";
    return {
      update(message) {
        if (message !== last) stream.write(`${message}\n`);
        last = message;
      },
      log(line) {
        stream.write(`${line}\n`);
      },
      stop() {},
    };
  }
  let message = "";
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const render = (): void => {
    const width = Math.max(20, (stream.columns || 80) - 3);
    const text = message.length > width ? `${message.slice(0, width - 1)}…` : message;
    stream.write(`\r\x1b[2K${FRAMES[frame % FRAMES.length]} ${text}`);
    frame++;
  };
  const clear = (): void => {
    stream.write("\r\x1b[2K");
  };
  return {
    update(next) {
      message = next;
      if (!timer) {
        timer = setInterval(render, INTERVAL_MS);
        timer.unref();
      }
      render();
    },
    log(line) {
      clear();
      stream.write(`${line}\n`);
      if (timer) render();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      clear();
    },
  };
}
