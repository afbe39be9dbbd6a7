// TCB info as PCCS serves it, `{"tcbInfo":{…},"signature":"…"}` (v2 and v3): the signed-JSON cutter
// and scanner, then the typed reader of the levels.
import { AttestationFormatError } from "../../src/attestation/errors.js";
import { parseSignedJson } from "../../src/attestation/signedJson.js";
import { parseTcbInfo } from "../../src/attestation/tcbInfo.js";
import { mutatedJsonText } from "../mutations.js";
import { defineTarget } from "../target.js";

export const tcbInfoTarget = defineTarget<string>({
  name: "tcb-info",
  drives: "parseSignedJson (tcbInfo), parseTcbInfo",
  allowed: [AttestationFormatError],
  input: (seeds) => mutatedJsonText(seeds.tcbInfoBodies),
  run(body) {
    parseTcbInfo(parseSignedJson(body, "tcbInfo", "TCB info").value);
  },
  testRuns: 1000,
  show: (body) => body,
});
