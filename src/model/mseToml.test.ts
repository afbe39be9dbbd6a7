// mse.toml: what is accepted, and errors that name the file, the field and what is expected.
import { describe, expect, it } from "vitest";
import { tempDirPerTest } from "../../test/support/tempDir.js";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import {
  MseTomlError,
  parseApplicationSpec,
  parseMseToml,
  readMseToml,
  renderMseToml,
  type MseConfig,
} from "./mseToml.js";

const valid = `name = "example"
application = "app.mjs:app"
healthcheck_endpoint = "/health"
tests_cmd = "node --test"
tests_requirements = ["undici@6"]
`;

function errorOf(text: string): MseTomlError {
  try {
    parseMseToml(text, "mse.toml");
  } catch (error) {
    expect(error).toBeInstanceOf(MseTomlError);
    return error as MseTomlError;
  }
  throw new Error("expected parseMseToml to refuse the document");
}

const withField = (field: string, value: string) =>
  valid.replace(new RegExp(`^${field} = .*$`, "m"), `${field} = ${value}`);

describe("mse.toml", () => {
  it("parses a complete configuration", () => {
    expect(parseMseToml(valid, "mse.toml")).toEqual({
      name: "example",
      application: "app.mjs:app",
      healthcheck_endpoint: "/health",
      tests_cmd: "node --test",
      tests_requirements: ["undici@6"],
      allow_subprocesses: false,
    });
  });

  it("defaults tests_requirements to an empty list and allow_subprocesses to false", () => {
    const config = parseMseToml(valid.replace(/^tests_requirements.*$/m, ""), "mse.toml");
    expect(config.tests_requirements).toEqual([]);
    expect(config.allow_subprocesses).toBe(false);
    expect(parseMseToml(`${valid}allow_subprocesses = true\n`).allow_subprocesses).toBe(true);
  });

  it("round-trips through renderMseToml, escaping what TOML needs", () => {
    const config: MseConfig = {
      name: "a.b-c_d",
      application: "server/index.js",
      healthcheck_endpoint: '/status?probe="1"',
      tests_cmd: "node --test --test-reporter=spec",
      tests_requirements: ["left-pad@1.3.0", "@scope/pkg@^2"],
      allow_subprocesses: false,
    };
    const text = renderMseToml(config);
    expect(text.split("\n")[0]).toBe('name = "a.b-c_d"');
    expect(text).not.toContain("allow_subprocesses");
    expect(parseMseToml(text, "x.toml")).toEqual(config);
    const withSubprocesses = { ...config, allow_subprocesses: true };
    expect(parseMseToml(renderMseToml(withSubprocesses))).toEqual(withSubprocesses);
  });

  const refusals: Array<[string, string, RegExp]> = [
    [
      "a missing field",
      valid.replace(/^application.*\n/m, ""),
      /field "application" is missing; expected "module:export"/,
    ],
    [
      "a name with a slash",
      withField("name", '"../evil"'),
      /field "name" must be 1 to 223 characters.*got "\.\.\/evil"/,
    ],
    ["an empty name", withField("name", '""'), /field "name" must be .*it is empty/],
    [
      "a 256-character name",
      withField("name", `"${"a".repeat(256)}"`),
      /field "name" .*it is 256 characters long/,
    ],
    ["a non-string name", withField("name", "42"), /field "name" must be .*, got number 42/],
    [
      "an endpoint without a slash",
      withField("healthcheck_endpoint", '"health"'),
      /field "healthcheck_endpoint" must be a URL path starting with "\/"/,
    ],
    [
      "an application with two colons",
      withField("application", '"a:b:c"'),
      /field "application" .*more than one ":"/,
    ],
    [
      "an application leaving the code dir",
      withField("application", '"../app.mjs:app"'),
      /stay inside the code directory/,
    ],
    [
      "an export that is no identifier",
      withField("application", '"app.mjs:my-app"'),
      /not a JavaScript identifier/,
    ],
    ["an empty tests_cmd", withField("tests_cmd", '"  "'), /field "tests_cmd" must be a non-empty command/],
    [
      "a requirement that is no string",
      withField("tests_requirements", '["ok", 3]'),
      /field "tests_requirements\[1\]" must be a non-empty string, got number 3/,
    ],
    [
      "requirements given as a string",
      withField("tests_requirements", '"undici"'),
      /field "tests_requirements" must be a list of npm package specifiers/,
    ],
    [
      "allow_subprocesses given as a string",
      `${valid}allow_subprocesses = "yes"\n`,
      /field "allow_subprocesses" must be true or false .*got "yes"/,
    ],
    [
      "an unknown field",
      `${valid}python_application = "app:app"\n`,
      /unknown field "python_application" \(the Python msehome's field is "application" here\)/,
    ],
    ["invalid TOML", 'name = "unterminated\n', /^mse\.toml: not valid TOML at line 1, column \d+: /],
  ];

  it.each(refusals)("refuses %s, naming the file and the field", (_what, text, message) => {
    const error = errorOf(text);
    expect(error.message).toMatch(/^mse\.toml: /);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain("\n");
  });

  it("reports every faulty field at once", () => {
    const error = errorOf(withField("name", '""').replace(/^tests_cmd.*\n/m, ""));
    expect(error.problems.map((p) => p.field).sort()).toEqual(["name", "tests_cmd"]);
  });

  describe("reading from a file", () => {
    const dir = tempDirPerTest("toml");

    it("names the file it read in errors", async () => {
      const file = path.join(dir(), "mse.toml");
      await writeFile(file, withField("healthcheck_endpoint", '"x"'));
      await expect(readMseToml(file)).rejects.toThrow(`${file}: field "healthcheck_endpoint"`);
      await writeFile(file, valid);
      expect((await readMseToml(file)).name).toBe("example");
    });

    it("says when the file cannot be read", async () => {
      await expect(readMseToml(path.join(dir(), "missing.toml"))).rejects.toThrow(
        /cannot read .*missing\.toml/,
      );
    });
  });
});

describe("application spec", () => {
  it("splits module and export, defaulting to the default export", () => {
    expect(parseApplicationSpec("app.mjs:app")).toEqual({ module: "app.mjs", exportName: "app" });
    expect(parseApplicationSpec("server/index.js")).toEqual({
      module: "server/index.js",
      exportName: "default",
    });
    expect(() => parseApplicationSpec("/abs.mjs:app")).toThrow(/relative POSIX path/);
  });
});
