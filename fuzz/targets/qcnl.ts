// The QCNL configuration (/etc/sgx_default_qcnl.conf) the operator's commands take the PCCS from:
// JSON with comments (DCAP 1.15+) and the older KEY=VALUE lines.
import fc from "fast-check";
import { AttestationFormatError } from "../../src/attestation/errors.js";
import { parseQcnlConfig, stripJsonComments } from "../../src/attestation/qcnl.js";
import { JSON_TOKENS, mutatedJson, mutatedText } from "../mutations.js";
import { defineTarget } from "../target.js";

const QCNL_TOKENS = [
  ...JSON_TOKENS,
  "//",
  "/*",
  "*/",
  "#",
  "=",
  "PCCS_URL=",
  "USE_SECURE_CERT=",
  '"pccs_url":',
  '"use_secure_cert":',
];

export const qcnlTarget = defineTarget<string>({
  name: "qcnl",
  drives: "parseQcnlConfig (comment stripping, JSON, KEY=VALUE)",
  allowed: [AttestationFormatError],
  input: (seeds) =>
    fc.oneof(
      mutatedText(seeds.qcnlConfigs, QCNL_TOKENS),
      mutatedJson(seeds.qcnlConfigs.filter((c) => c.trimStart().startsWith("{")).map(stripJsonComments)),
    ),
  run(text) {
    parseQcnlConfig(text);
  },
  testRuns: 1000,
  show: (text) => text,
});
