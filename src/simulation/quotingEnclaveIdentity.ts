// Who the simulated quoting enclave is (measurements, product, SVN, attributes): what its QE report says and QE identity v2 expects.
import { createHash } from "node:crypto";

// Measurements derived from fixed labels, so they are stable and plainly not Intel's QE.
const measurement = (label: string): Uint8Array =>
  new Uint8Array(createHash("sha256").update(label).digest());

export const SIMULATED_QE = {
  mrEnclave: measurement("msehome simulation quoting enclave"),
  mrSigner: measurement("msehome simulation quoting enclave signer"),
  isvProdId: 1,
  isvSvn: 8,
  miscSelect: 0,
  /** INIT | MODE64BIT | PROVISIONKEY, XFRM 0xe7: what Intel's QE reports. */
  attributes: Uint8Array.from([0x15, 0, 0, 0, 0, 0, 0, 0, 0xe7, 0, 0, 0, 0, 0, 0, 0]),
  /** Intel's QE vendor ID, which quote headers carry and verifiers compare. */
  vendorId: Uint8Array.from(Buffer.from("939a7233f79c4ca9940a0db3957f0607", "hex")),
} as const;

export interface QeTcbLevel {
  isvSvn: number;
  tcbDate: string;
  status: "UpToDate" | "OutOfDate" | "Revoked";
  advisoryIds: readonly string[];
}

/** QE identity TCB levels, newest first; the simulated QE (ISVSVN 8) is UpToDate. */
export const QE_TCB_LEVELS: readonly QeTcbLevel[] = [
  { isvSvn: 8, tcbDate: "2024-03-13T00:00:00Z", status: "UpToDate", advisoryIds: [] },
  { isvSvn: 6, tcbDate: "2021-11-10T00:00:00Z", status: "OutOfDate", advisoryIds: ["INTEL-SA-00615"] },
  {
    isvSvn: 5,
    tcbDate: "2020-11-11T00:00:00Z",
    status: "OutOfDate",
    advisoryIds: ["INTEL-SA-00477", "INTEL-SA-00615"],
  },
];

/** The QE identity's golden values and masks, as Intel publishes them for its QE. */
export const QE_IDENTITY_POLICY = {
  miscselect: "00000000",
  miscselectMask: "FFFFFFFF",
  attributes: "11000000000000000000000000000000",
  attributesMask: "FBFFFFFFFFFFFFFF0000000000000000",
} as const;
