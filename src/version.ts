// The msehome version, read once from package.json (shipped beside dist/ and in the base image).
import { readFileSync } from "node:fs";

const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};

export const MSEHOME_VERSION: string = manifest.version;
