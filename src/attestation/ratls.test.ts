import { afterEach, describe, expect, it } from "vitest";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { createServer as createTcpServer, type AddressInfo, type Server } from "node:net";
import {
  certificateKeyHash,
  checkCertificateValidity,
  checkReportDataBinding,
  enclavePublicKeyFromReportData,
  extractQuoteFromCertificate,
  fetchPeerCertificate,
  OID_RATLS_QUOTE,
} from "./ratls.js";
import { parseQuote } from "./quote.js";
import { toHex } from "./bytes.js";
import { toPem } from "./pem.js";
import { VECTOR_AT, VECTOR_MRENCLAVE, vectorEvidence } from "./testing/msehomeEvidence.js";
import { makeCertificate, testKey } from "./testing/pki.js";
import { octets, oid, seq } from "./testing/derWriter.js";

const vector = vectorEvidence();

function selfSigned(extra: Uint8Array[] = []) {
  const key = testKey();
  const now = new Date();
  const der = makeCertificate({
    subject: "localhost",
    issuer: "localhost",
    issuerKey: key,
    key,
    serial: 7,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 3_600_000),
    ca: false,
    extra,
  });
  return { key, der, pem: toPem(der, "CERTIFICATE") };
}

describe("RA-TLS certificate of the vector enclave", () => {
  it("carries the quote in extension 1.2.840.113741.1337.6", () => {
    const quote = extractQuoteFromCertificate(vector.certificatePem);
    expect(quote).toHaveLength(4734);
    expect(toHex(parseQuote(quote).reportBody.mrEnclave)).toBe(VECTOR_MRENCLAVE);
  });

  it("binds its key: report_data[0..32] = SHA-256 of the uncompressed P-256 point", () => {
    const quote = parseQuote(vector.quote);
    expect(toHex(certificateKeyHash(vector.certificatePem))).toBe(
      toHex(quote.reportBody.reportData.subarray(0, 32)),
    );
    expect(checkReportDataBinding(vector.certificatePem, vector.quote)).toMatchObject({
      name: "ratls.binding",
      ok: true,
    });
  });

  it("has no X25519 key in report_data[32..64] (all zero in this older enclave)", () => {
    const key = enclavePublicKeyFromReportData(parseQuote(vector.quote).reportBody.reportData);
    expect(key).toEqual(new Uint8Array(32));
    expect(() => enclavePublicKeyFromReportData(new Uint8Array(32))).toThrow(/must be 64 bytes/);
  });

  it("is valid in June 2023 and expired now, saying so", () => {
    expect(checkCertificateValidity(vector.certificatePem, VECTOR_AT).ok).toBe(true);
    const now = checkCertificateValidity(vector.certificatePem, new Date());
    expect(now).toMatchObject({ name: "ratls.certificate.validity", ok: false });
    expect(now.reason).toMatch(/expired .* \(valid 2023-05-17T09:38:42.000Z \.\. 2024-04-26T09:38:33.000Z\)/);
  });

  it("rejects the quote moved into a certificate with another key", () => {
    const moved = selfSigned([seq(oid(OID_RATLS_QUOTE), octets(vector.quote))]);
    expect(extractQuoteFromCertificate(moved.der)).toEqual(vector.quote);
    const check = checkReportDataBinding(moved.pem, vector.quote);
    expect(check.ok).toBe(false);
    expect(check.reason).toMatch(/not the SHA-256 of the certificate key/);
  });

  it("names a certificate without a quote", () => {
    expect(() => extractQuoteFromCertificate(selfSigned().pem)).toThrow(
      /no quote extension \(1\.2\.840\.113741\.1337\.6\)/,
    );
    expect(() => extractQuoteFromCertificate("no pem here")).toThrow(/contains no PEM certificate/);
  });
});

describe("fetchPeerCertificate", () => {
  let server: TlsServer | Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  const listen = (s: TlsServer | Server): Promise<number> =>
    new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve((s.address() as AddressInfo).port)));

  it("returns the self-signed certificate a TLS server presents", async () => {
    const cert = selfSigned();
    server = createTlsServer(
      { cert: cert.pem, key: cert.key.privateKey.export({ type: "pkcs8", format: "pem" }) },
      (s) => s.end(),
    );
    const port = await listen(server);
    expect(await fetchPeerCertificate("127.0.0.1", port)).toBe(cert.pem);
  });

  it("gives up after the timeout, naming the address", async () => {
    server = createTcpServer(() => undefined);
    const port = await listen(server);
    await expect(fetchPeerCertificate("127.0.0.1", port, { timeoutMs: 200 })).rejects.toThrow(
      `cannot read the TLS certificate of 127.0.0.1:${port}: no TLS handshake within 200 ms`,
    );
  });

  it("reports a refused connection", async () => {
    server = createTcpServer();
    const port = await listen(server);
    server.close();
    server = undefined;
    await expect(fetchPeerCertificate("127.0.0.1", port)).rejects.toThrow(/ECONNREFUSED/);
  });
});
