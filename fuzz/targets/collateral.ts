// The collateral file of `quote verify --collateral` (Intel QVL's sgx_ql_qve_collateral_t as JSON)
// and everything the verifier then reads from it — issuer chains, CRLs, signed TCB info and QE
// identity — through a full verification of the quote it belongs to, and the policy on the report.
import fc from "fast-check";
import { parseCollateralJson, renderCollateralJson } from "../../src/attestation/collateral.js";
import { AttestationFormatError, VerificationError } from "../../src/attestation/errors.js";
import { applyPolicy } from "../../src/attestation/policy.js";
import { verifyEnclave } from "../../src/provider/enclaveVerification.js";
import { mutatedJsonText, PEM_TOKENS } from "../mutations.js";
import { defineTarget } from "../target.js";

type Input = { world: number; text: string };

export const collateralTarget = defineTarget<Input>({
  name: "collateral",
  drives: "parseCollateralJson, then verifyQuote over every collateral item, and the policy",
  allowed: [AttestationFormatError, VerificationError],
  input: (seeds) =>
    fc
      .nat({ max: seeds.worlds.length - 1 })
      .chain((world) =>
        mutatedJsonText([renderCollateralJson(seeds.worlds[world]!.collateral)], PEM_TOKENS).map(
          (text): Input => ({ world, text }),
        ),
      ),
  run(input, { seeds }) {
    const world = seeds.worlds[input.world]!;
    const collateral = parseCollateralJson(input.text, "collateral file");
    const { report } = verifyEnclave({
      quote: world.quote,
      collateral,
      expected: { mrEnclave: "00".repeat(32) },
      at: world.at,
      simulation: world.simulation,
    });
    applyPolicy(report, { allowOutdatedTcb: true, allowExpiredCollateral: true });
  },
  testRuns: 500,
  show: (input) => input.text,
});
