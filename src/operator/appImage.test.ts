// The app's own image tag: one per app name, always a valid Docker tag.
import { describe, expect, it } from "vitest";
import { APP_NAME_MAX_LENGTH } from "../model/appName.js";
import { appImageTag, isAppImageTag } from "./appImage.js";

const TAG = /^msehome\/app:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

describe("app image tag", () => {
  it("is msehome/app:<name> for ordinary names", () => {
    expect(appImageTag("My.App_1-x")).toBe("msehome/app:My.App_1-x");
    expect(isAppImageTag(appImageTag("x"))).toBe(true);
    expect(isAppImageTag("msehome-app/x:1")).toBe(false);
  });

  it("stays a valid tag, distinct per name, for the longest names", () => {
    const long = "a".repeat(APP_NAME_MAX_LENGTH);
    const other = `${"a".repeat(APP_NAME_MAX_LENGTH - 1)}b`;
    expect(appImageTag(long)).toMatch(TAG);
    expect(appImageTag(other)).toMatch(TAG);
    expect(appImageTag(long)).not.toBe(appImageTag(other));
  });
});
