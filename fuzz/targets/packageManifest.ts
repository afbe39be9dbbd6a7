// A package's manifest.json: format, version, name, image id and the digest of every member. A
// manifest that parses must render and parse back to itself.
import { isDeepStrictEqual } from "node:util";
import {
  PackageFormatError,
  parsePackageManifest,
  renderPackageManifest,
} from "../../src/package/packageManifest.js";
import { mutatedJsonText } from "../mutations.js";
import { defineTarget, PropertyViolation } from "../target.js";

export const packageManifestTarget = defineTarget<string>({
  name: "package-manifest",
  drives: "parsePackageManifest, renderPackageManifest round trip",
  allowed: [PackageFormatError],
  input: (seeds) => mutatedJsonText(seeds.packageManifests),
  run(text) {
    const manifest = parsePackageManifest(text);
    if (!isDeepStrictEqual(parsePackageManifest(renderPackageManifest(manifest)), manifest)) {
      throw new PropertyViolation("a manifest that parses does not render back to the same manifest");
    }
  },
  testRuns: 1000,
  show: (text) => text,
});
