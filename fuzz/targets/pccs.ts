// PCCS responses as the client receives them: status, issuer-chain headers (URL-encoded PEM, v3
// and v4 names) and bodies (CRLs as PEM, hex or DER; signed TCB info and QE identity), through
// `fetchCollateral` with a fetch that answers each endpoint with a mutated response.
import fc from "fast-check";
import { AttestationFormatError } from "../../src/attestation/errors.js";
import { PccsClient, PccsError } from "../../src/attestation/pccs.js";
import { crlDerFromText } from "../../src/attestation/pem.js";
import type { Seeds } from "../seeds.js";
import { mutatedBytes, mutatedJsonText, mutatedText, PEM_TOKENS } from "../mutations.js";
import { defineTarget } from "../target.js";

interface Answer {
  status: number;
  headers: Array<[string, string]>;
  body: Uint8Array;
}
type Input = { ca: string; fmspc: string; version: 3 | 4; answers: Record<string, Answer> };

const CHAIN_HEADERS = [
  "SGX-PCK-CRL-Issuer-Chain",
  "TCB-Info-Issuer-Chain",
  "SGX-TCB-Info-Issuer-Chain",
  "SGX-Enclave-Identity-Issuer-Chain",
];
/** Header values must be ByteStrings; anything else is the transport's business, not the client's. */
const byteString = (text: string): string =>
  Buffer.from(text, "latin1")
    .toString("latin1")
    .replace(/[^\t\x20-\x7e\x80-\xff]/g, "");

function answer(body: fc.Arbitrary<Uint8Array>, seeds: Seeds): fc.Arbitrary<Answer> {
  const chains = seeds.worlds.flatMap((w) => [
    w.collateral.pck_crl_issuer_chain,
    w.collateral.tcb_info_issuer_chain,
  ]);
  const header = fc.tuple(
    fc.constantFrom(...CHAIN_HEADERS),
    fc.oneof(
      mutatedText(chains, PEM_TOKENS).map((pem) => byteString(encodeURIComponent(pem))),
      mutatedText(
        chains.map((c) => encodeURIComponent(c)),
        ["%", "%0", "%ZZ", "%E0%A4%A", "%00"],
      ).map(byteString),
    ),
  );
  return fc.record({
    status: fc.oneof(
      { weight: 8, arbitrary: fc.constant(200) },
      { weight: 1, arbitrary: fc.constantFrom(204, 304, 404, 500, 503) },
    ),
    headers: fc.array(header, { minLength: 0, maxLength: 4 }),
    body,
  });
}

const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "utf8"));

export const pccsTarget = defineTarget<Input>({
  name: "pccs",
  drives: "PccsClient.fetchCollateral: statuses, issuer-chain headers, CRL and signed JSON bodies",
  allowed: [PccsError, AttestationFormatError],
  input: (seeds) => {
    const crls = seeds.crlTexts.map(utf8);
    const crlBody = fc.oneof(mutatedBytes(crls, PEM_TOKENS), mutatedBytes(seeds.crlDers));
    return fc.record({
      ca: fc.constantFrom("platform", "processor", "other"),
      fmspc: fc.oneof(fc.constantFrom("00906ED50000", "53494D000000"), fc.string({ maxLength: 14 })),
      version: fc.constantFrom(3 as const, 4 as const),
      answers: fc.record({
        pckcrl: answer(crlBody, seeds),
        rootcacrl: answer(crlBody, seeds),
        tcb: answer(mutatedJsonText(seeds.tcbInfoBodies).map(utf8), seeds),
        "qe/identity": answer(mutatedJsonText(seeds.qeIdentityBodies).map(utf8), seeds),
      }),
    });
  },
  async run(input) {
    const client = new PccsClient({
      baseUrl: `https://pccs.invalid:8081/sgx/certification/v${input.version}`,
      fetch: (url) => {
        const endpoint = new URL(url).pathname.replace(/^.*\/v\d\//, "");
        const { status, headers, body } = input.answers[endpoint as keyof Input["answers"]]!;
        const nullBody = status === 204 || status === 304;
        return Promise.resolve(new Response(nullBody ? null : body, { status, headers }));
      },
    });
    const collateral = await client.fetchCollateral({ ca: input.ca as "platform", fmspc: input.fmspc });
    // What the client returns must be what it promised: CRL texts the verifier can read.
    crlDerFromText(collateral.pck_crl, "PCK CRL");
    crlDerFromText(collateral.root_ca_crl, "root CA CRL");
  },
  testRuns: 500,
  show: (input) =>
    JSON.stringify(input, (_key, value: unknown) =>
      value instanceof Uint8Array ? Buffer.from(value).toString("base64") : value,
    ),
});
