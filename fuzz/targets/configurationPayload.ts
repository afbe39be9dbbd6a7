// The configuration payload the configuration server receives before the app starts (uuid,
// app_secrets, app_sealed_secrets, code_secret_key), and what the enclave makes of it: the sealed
// box opened with its key, the code key settled. No error message may repeat a secret.
import {
  ConfigurationPayloadError,
  parseConfigurationPayload,
} from "../../src/model/configurationPayload.js";
import { resolveConfiguration } from "../../src/runtime/appConfiguration.js";
import { ConfigurationRejected } from "../../src/runtime/configurationServer.js";
import type { EnclaveIdentity } from "../../src/runtime/enclaveIdentity.js";
import { mutatedJsonText } from "../mutations.js";
import { defineTarget, PropertyViolation } from "../target.js";

export const configurationPayloadTarget = defineTarget<string>({
  name: "configuration-payload",
  drives: "parseConfigurationPayload (uuid first, zod schema), resolveConfiguration (sealed box, code key)",
  allowed: [ConfigurationPayloadError, ConfigurationRejected],
  input: (seeds) => mutatedJsonText(seeds.configurationPayloads),
  run(body, { seeds }) {
    const identity = {
      enclaveSecretKey: seeds.enclaveKeys.secretKey,
      enclavePublicKey: seeds.enclaveKeys.publicKey,
    } as EnclaveIdentity;
    try {
      resolveConfiguration(parseConfigurationPayload(body, seeds.enclaveId), identity);
    } catch (error) {
      // The seeds' secrets all contain this marker; a message (which the server sends back and may
      // log) must never carry one.
      if (error instanceof Error && error.message.includes("SECRET-")) {
        throw new PropertyViolation(`an error message repeats a secret: ${error.message.slice(0, 80)}`);
      }
      throw error;
    }
  },
  testRuns: 1000,
  show: (body) => body,
});
