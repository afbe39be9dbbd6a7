// Typed failures of the Docker layer, each worded as one sentence a user can act on.

/** No Docker engine answers at the address msehome tried (or it refuses us). */
export class DockerUnavailableError extends Error {
  constructor(
    readonly address: string,
    readonly reason: string,
  ) {
    super(
      `cannot reach the Docker engine at ${address} (${reason}); start Docker or point DOCKER_HOST at a running engine`,
    );
    this.name = "DockerUnavailableError";
  }
}

/** DOCKER_HOST (or its TLS settings) cannot be turned into an engine address. */
export class DockerConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DockerConfigurationError";
  }
}

/** The engine answered but refused an operation; `statusCode` is its HTTP status. */
export class DockerEngineError extends Error {
  constructor(
    readonly action: string,
    readonly statusCode: number | undefined,
    readonly engineMessage: string,
  ) {
    super(`${action} failed: ${engineMessage}`);
    this.name = "DockerEngineError";
  }
}

/** The engine knows no container or image by that name. */
export class DockerNotFoundError extends DockerEngineError {
  constructor(action: string, engineMessage: string) {
    super(action, 404, engineMessage);
    this.name = "DockerNotFoundError";
  }
}

/** A container spec that cannot work (a relative host path, a port out of range, a missing input). */
export class ContainerSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContainerSpecError";
  }
}

/** A container with the requested name already exists. */
export class ContainerNameTakenError extends Error {
  constructor(readonly containerName: string) {
    super(
      `a Docker container named "${containerName}" already exists; choose another name or remove it first`,
    );
    this.name = "ContainerNameTakenError";
  }
}

/** The host port the app container should publish is already taken. */
export class PortUnavailableError extends Error {
  constructor(
    readonly hostIp: string,
    readonly port: number,
    engineMessage: string,
  ) {
    super(`port ${hostIp}:${port} is not available (${engineMessage}); choose another --port`);
    this.name = "PortUnavailableError";
  }
}

/** No msehome app container carries that name. */
export class AppNotFoundError extends Error {
  constructor(readonly appName: string) {
    super(`no msehome app named "${appName}" exists on this Docker engine (msehome list shows the apps)`);
    this.name = "AppNotFoundError";
  }
}

/** A container exists under that name but its labels are not those of an msehome app. */
export class NotAnAppContainerError extends Error {
  constructor(
    readonly containerName: string,
    reason: string,
  ) {
    super(`the Docker container "${containerName}" is not an msehome app (${reason})`);
    this.name = "NotAnAppContainerError";
  }
}

/** `docker build` failed; names the failing step and keeps the last lines of the build log. */
export class ImageBuildError extends Error {
  constructor(
    /** The builder's own error message. */
    readonly reason: string,
    readonly step: BuildStep | undefined,
    readonly logTail: readonly string[],
  ) {
    super(
      step
        ? `the image build failed at step ${step.index}/${step.total} (${step.instruction}): ${reason}`
        : `the image build failed: ${reason}`,
    );
    this.name = "ImageBuildError";
  }
}

/** One `Step N/M : INSTRUCTION` of a classic Docker build. */
export interface BuildStep {
  index: number;
  total: number;
  instruction: string;
}

/** Loading an image tar into the engine failed or yielded no image. */
export class ImageLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`loading the image failed: ${message}`, options);
    this.name = "ImageLoadError";
  }
}

/** A one-shot container ran past its time limit (it has been removed). */
export class ContainerTimeoutError extends Error {
  constructor(
    readonly image: string,
    readonly timeoutMs: number,
  ) {
    super(`the container from image ${image} did not finish within ${timeoutMs / 1000} s and was removed`);
    this.name = "ContainerTimeoutError";
  }
}
