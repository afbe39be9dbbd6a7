// App names must work as a directory, in the package file name and as a Docker label.
import { describe, expect, it } from "vitest";
import { APP_NAME_MAX_LENGTH, InvalidAppNameError, appNameProblem, checkAppName } from "./appName.js";

describe("app name", () => {
  it.each(["example", "my-app_2.0", "A", "0day", "x".repeat(APP_NAME_MAX_LENGTH)])("accepts %s", (name) => {
    expect(appNameProblem(name)).toBeUndefined();
    expect(checkAppName(name)).toBe(name);
  });

  it.each([
    ["", /empty/],
    [".", /does not start with a letter or a digit/],
    ["..", /does not start/],
    ["-rf", /does not start/],
    ["a/b", /contains a character/],
    ["a b", /contains a character/],
    ["é", /does not start/],
    ["x".repeat(APP_NAME_MAX_LENGTH + 1), /224 characters long/],
  ])("refuses %j", (name, problem) => {
    expect(appNameProblem(name)).toMatch(problem);
    expect(() => checkAppName(name)).toThrow(InvalidAppNameError);
  });

  it("keeps package_<name>_<ns>.tar within 255 bytes", () => {
    const ns = "1700000000000000000";
    expect(`package_${"x".repeat(APP_NAME_MAX_LENGTH)}_${ns}.tar`).toHaveLength(255);
  });
});
