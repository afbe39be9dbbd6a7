// mse.toml: the TOML parser and the schema whose errors name the file, the field and what is
// expected. A configuration that parses must render and parse back to itself.
import { isDeepStrictEqual } from "node:util";
import { MseTomlError, parseMseToml, renderMseToml } from "../../src/model/mseToml.js";
import { mutatedText } from "../mutations.js";
import { defineTarget, PropertyViolation } from "../target.js";

const TOML_TOKENS = [
  "=",
  '"',
  "'",
  '"""',
  "'''",
  "[",
  "]",
  "[[",
  "]]",
  "{",
  "}",
  ",",
  ".",
  "#",
  "\n",
  "\\",
  "\\u0000",
  "\\uD800",
  "name = ",
  "application = ",
  "tests_requirements = ",
  "1979-05-27T07:32:00Z",
  "inf",
  "nan",
  "0x7f",
  "1_000",
  "[tests_requirements]",
  "[[name]]",
  "a.b.c = 1",
  "9999999999999999999999",
];

export const mseTomlTarget = defineTarget<string>({
  name: "mse-toml",
  drives: "parseMseToml (smol-toml, zod schema, field messages), renderMseToml round trip",
  allowed: [MseTomlError],
  input: (seeds) => mutatedText(seeds.mseTomls, TOML_TOKENS),
  run(text) {
    const config = parseMseToml(text, "mse.toml");
    if (!isDeepStrictEqual(parseMseToml(renderMseToml(config)), config)) {
      throw new PropertyViolation("an mse.toml that parses does not render back to the same configuration");
    }
  },
  testRuns: 1000,
  show: (text) => text,
});
