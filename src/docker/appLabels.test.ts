// App labels: everything later commands need, written as flat Docker labels and parsed back strictly.
import { describe, expect, it } from "vitest";
import { type AppLabels, appLabelsToDocker, AppLabelsError, parseAppLabels } from "./appLabels.js";

const labels: AppLabels = {
  name: "my-app",
  mode: "simulation",
  sizeMb: 2048,
  host: "localhost",
  port: 9443,
  appId: "0b8e6f36-1d7e-4b61-9c43-6c6a9f0a1c2d",
  application: "app.mjs:app",
  expiration: 1_800_000_000,
  healthcheckEndpoint: "/health",
  version: "0.1.0",
  image: "msehome-app/my-app:1700000000000000000",
};

describe("app labels", () => {
  it("are flat msehome.* strings with msehome=1", () => {
    expect(appLabelsToDocker(labels)).toEqual({
      msehome: "1",
      "msehome.name": "my-app",
      "msehome.mode": "simulation",
      "msehome.size": "2048",
      "msehome.host": "localhost",
      "msehome.port": "9443",
      "msehome.app_id": "0b8e6f36-1d7e-4b61-9c43-6c6a9f0a1c2d",
      "msehome.application": "app.mjs:app",
      "msehome.expiration": "1800000000",
      "msehome.healthcheck": "/health",
      "msehome.version": "0.1.0",
      "msehome.image": "msehome-app/my-app:1700000000000000000",
    });
  });

  it("parse back to the same values, ignoring unrelated labels", () => {
    expect(parseAppLabels({ ...appLabelsToDocker(labels), "org.other": "x" })).toEqual(labels);
  });

  it("name a missing label", () => {
    const docker = appLabelsToDocker(labels);
    delete docker["msehome.port"];
    expect(() => parseAppLabels(docker)).toThrow(new AppLabelsError("label msehome.port is missing"));
  });

  it("name a malformed label", () => {
    expect(() => parseAppLabels({ ...appLabelsToDocker(labels), "msehome.port": "70000" })).toThrow(
      /^label msehome\.port is malformed/,
    );
    expect(() => parseAppLabels({ ...appLabelsToDocker(labels), "msehome.mode": "cloud" })).toThrow(
      /^label msehome\.mode is malformed/,
    );
    expect(() => parseAppLabels({ ...appLabelsToDocker(labels), "msehome.healthcheck": "health" })).toThrow(
      /^label msehome\.healthcheck is malformed/,
    );
  });

  it("refuse a container without msehome=1", () => {
    expect(() => parseAppLabels({})).toThrow("label msehome is missing");
    expect(() => parseAppLabels(null)).toThrow("label msehome is missing");
  });
});
