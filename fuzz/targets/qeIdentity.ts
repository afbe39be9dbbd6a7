// QE identity as PCCS serves it, `{"enclaveIdentity":{…},"signature":"…"}`: the signed-JSON cutter
// and scanner, then the typed reader of the identity and its levels.
import { AttestationFormatError } from "../../src/attestation/errors.js";
import { parseEnclaveIdentity } from "../../src/attestation/enclaveIdentity.js";
import { parseSignedJson } from "../../src/attestation/signedJson.js";
import { mutatedJsonText } from "../mutations.js";
import { defineTarget } from "../target.js";

export const qeIdentityTarget = defineTarget<string>({
  name: "qe-identity",
  drives: "parseSignedJson (enclaveIdentity), parseEnclaveIdentity",
  allowed: [AttestationFormatError],
  input: (seeds) => mutatedJsonText(seeds.qeIdentityBodies),
  run(body) {
    parseEnclaveIdentity(parseSignedJson(body, "enclaveIdentity", "QE identity").value);
  },
  testRuns: 1000,
  show: (body) => body,
});
