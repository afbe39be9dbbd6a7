import { describe, expect, it } from "vitest";
import { forEachApp, SomeAppsFailedError, throwFailures } from "./appBatch.js";

describe("commands on several apps", () => {
  it("handles every app, keeps every outcome in order and names each failure", async () => {
    const outcomes = await forEachApp(["a", "b", "a", "c"], async (name) => {
      if (name === "b") throw new Error(`no msehome app named "${name}" exists.`);
      return name.toUpperCase();
    });
    expect(outcomes.map((o) => [o.name, o.ok])).toEqual([
      ["a", true],
      ["b", false],
      ["c", true],
    ]);
    expect(() => throwFailures("stop", outcomes)).toThrow(new SomeAppsFailedError("stop", outcomes).message);
    expect(new SomeAppsFailedError("stop", outcomes).message).toBe(
      'stop failed for 1 of 3 apps: "b" (no msehome app named "b" exists)',
    );
  });

  it("throws one app's own error as it is, and nothing when all succeeded", async () => {
    const original = Object.assign(new Error("bad"), { exitCode: 2 });
    const one = await forEachApp(["x"], () => Promise.reject(original));
    expect(() => throwFailures("status", one)).toThrow(original);
    expect(() => throwFailures("status", [{ name: "x", ok: true, result: 1 }])).not.toThrow();
  });

  it("runs one after the other when asked", async () => {
    const order: string[] = [];
    await forEachApp(
      ["a", "b"],
      async (name) => {
        order.push(`start ${name}`);
        await new Promise((resolve) => setTimeout(resolve, name === "a" ? 30 : 0));
        order.push(`end ${name}`);
      },
      { sequential: true },
    );
    expect(order).toEqual(["start a", "end a", "start b", "end b"]);
  });
});
