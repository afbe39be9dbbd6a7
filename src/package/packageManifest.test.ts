// manifest.json: stable bytes, strict parsing, and a clear refusal of other format versions.
import { describe, expect, it } from "vitest";
import {
  type PackageManifest,
  PackageFormatError,
  packageFileName,
  packageKeyFileName,
  parsePackageManifest,
  renderPackageManifest,
} from "./packageManifest.js";

const digest = (c: string, sizeBytes: number) => ({ sha256: c.repeat(64), sizeBytes });
const manifest: PackageManifest = {
  format: "msehome-package",
  version: 1,
  name: "example",
  encrypted: true,
  imageId: `sha256:${"e".repeat(64)}`,
  members: {
    "app.tar": digest("a", 10240),
    "image.tar": digest("b", 1 << 30),
    "tests.tar": digest("c", 2048),
    "mse.toml": digest("d", 120),
  },
};

describe("package manifest", () => {
  it("renders with a fixed layout and parses back to the same value", () => {
    const text = renderPackageManifest(manifest);
    expect(JSON.parse(text)).toEqual({
      format: "msehome-package",
      version: 1,
      name: "example",
      encrypted: true,
      image_id: `sha256:${"e".repeat(64)}`,
      members: {
        "app.tar": { sha256: "a".repeat(64), size: 10240 },
        "image.tar": { sha256: "b".repeat(64), size: 1 << 30 },
        "tests.tar": { sha256: "c".repeat(64), size: 2048 },
        "mse.toml": { sha256: "d".repeat(64), size: 120 },
      },
    });
    expect(text.endsWith("}\n")).toBe(true);
    expect(parsePackageManifest(text)).toEqual(manifest);
    expect(renderPackageManifest(parsePackageManifest(text))).toBe(text);
  });

  it("refuses another format version, saying which", () => {
    const text = renderPackageManifest(manifest).replace('"version": 1', '"version": 2');
    expect(() => parsePackageManifest(text)).toThrow(
      new PackageFormatError("the package has format version 2; this msehome reads version 1"),
    );
  });

  it("names the malformed field", () => {
    const text = renderPackageManifest(manifest).replace("a".repeat(64), "xyz");
    expect(() => parsePackageManifest(text)).toThrow(
      /malformed at members\.app\.tar\.sha256: not a hex SHA-256/,
    );
    expect(() => parsePackageManifest("{")).toThrow("the package's manifest.json is not JSON");
    const missing = JSON.parse(renderPackageManifest(manifest)) as { members: Record<string, unknown> };
    delete missing.members["tests.tar"];
    expect(() => parsePackageManifest(JSON.stringify(missing))).toThrow(/members\.tests\.tar/);
  });

  it("names package and key files after the app and the time in nanoseconds", () => {
    expect(packageFileName("example", 1_700_000_000_123_456_789n)).toBe(
      "package_example_1700000000123456789.tar",
    );
    expect(packageKeyFileName("example", 1_700_000_000_123_456_789n)).toBe(
      "package_example_1700000000123456789.key",
    );
  });
});
