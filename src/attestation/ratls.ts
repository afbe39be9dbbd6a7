// RA-TLS: the enclave's self-signed certificate carries its quote (extension 1.2.840.113741.1337.6),
// and the quote's report_data binds the certificate key (SHA-256 of its uncompressed P-256 point)
// and the enclave's X25519 public key (bytes 32..64).
import { createHash, type X509Certificate } from "node:crypto";
import { connect } from "node:tls";
import { isIP } from "node:net";
import { bytesEqual, toHex } from "./bytes.js";
import { certificateFields } from "./certificateFields.js";
import { children, expectTag, readRoot, TAG_SEQUENCE, valueOf } from "./der.js";
import { p256PointFromSpki } from "./certificate.js";
import { AttestationFormatError } from "./errors.js";
import { certificatesFromPem, toPem } from "./pem.js";
import { parseQuote, type Quote } from "./quote.js";
import type { VerificationCheck } from "./verificationReport.js";

export const OID_RATLS_QUOTE = "1.2.840.113741.1337.6";

/** DER of a certificate given as DER bytes or PEM text. */
export function certificateDer(cert: Uint8Array | string): Uint8Array {
  if (typeof cert === "string") return certificatesFromPem(cert, "RA-TLS certificate")[0]!;
  return cert;
}

export function extractQuoteFromCertificate(cert: Uint8Array | string): Uint8Array {
  const fields = certificateFields(certificateDer(cert), "RA-TLS certificate");
  const ext = fields.extensions.get(OID_RATLS_QUOTE);
  if (!ext) {
    throw new AttestationFormatError(
      `the certificate has no quote extension (${OID_RATLS_QUOTE}); it is not an RA-TLS certificate`,
    );
  }
  return ext.value.slice();
}

/** SHA-256 of the certificate's public key as an uncompressed P-256 point (04‖x‖y). */
export function certificateKeyHash(cert: Uint8Array | string): Uint8Array {
  const fields = certificateFields(certificateDer(cert), "RA-TLS certificate");
  return new Uint8Array(createHash("sha256").update(p256PointFromSpki(fields.spki)).digest());
}

/** report_data[0..32] must be the certificate key's hash: the quote speaks for this TLS key. */
export function checkReportDataBinding(
  cert: Uint8Array | string,
  quote: Uint8Array | Quote,
): VerificationCheck {
  const parsed = quote instanceof Uint8Array ? parseQuote(quote) : quote;
  const expected = certificateKeyHash(cert);
  const actual = parsed.reportBody.reportData.subarray(0, 32);
  return bytesEqual(expected, actual)
    ? { name: "ratls.binding", ok: true, reason: "report_data[0..32] is the SHA-256 of the certificate key" }
    : {
        name: "ratls.binding",
        ok: false,
        reason: `report_data[0..32] is ${toHex(actual)}, not the SHA-256 of the certificate key (${toHex(expected)})`,
      };
}

/** The enclave's X25519 public key: report_data[32..64]. */
export function enclavePublicKeyFromReportData(reportData: Uint8Array): Uint8Array {
  if (reportData.length !== 64) {
    throw new AttestationFormatError(`report_data must be 64 bytes, got ${reportData.length}`);
  }
  return reportData.slice(32, 64);
}

const OID_SUBJECT_ALT_NAME = "2.5.29.17";
const SAN_DNS = 0x82;
const SAN_IP = 0x87;

/** An IP address in one canonical text (IPv6 compressed, lower case), so names compare as text. */
export function canonicalIp(address: string): string {
  if (isIP(address) !== 6) return address;
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
    return canonicalIp(groups.join(":"));
  }
  throw new AttestationFormatError(`the certificate names an IP address of ${bytes.length} bytes`);
}

/**
 * The certificate's subject alternative names in order: DNS names as written, IP addresses as text
 * (IPv6 canonical); other kinds of names are left out. Empty when it has no SAN extension.
 */
export function certificateNames(cert: Uint8Array | string): string[] {
  const fields = certificateFields(certificateDer(cert), "RA-TLS certificate");
  const ext = fields.extensions.get(OID_SUBJECT_ALT_NAME);
  if (!ext) return [];
  const what = "RA-TLS certificate subjectAltName";
  const names: string[] = [];
  for (const name of children(ext.value, expectTag(readRoot(ext.value, what), TAG_SEQUENCE, what), what)) {
    const value = valueOf(ext.value, name);
    if (name.tag === SAN_DNS) names.push(Buffer.from(value).toString("latin1"));
    else if (name.tag === SAN_IP) names.push(ipText(value));
  }
  return names;
}

/** Validity window of the RA-TLS certificate at `time`. */
export function checkCertificateValidity(cert: Uint8Array | string, time: Date): VerificationCheck {
  const { notBefore, notAfter } = certificateFields(certificateDer(cert), "RA-TLS certificate");
  const window = `${notBefore.toISOString()} .. ${notAfter.toISOString()}`;
  const ok = notBefore <= time && time <= notAfter;
  return {
    name: "ratls.certificate.validity",
    ok,
    reason: ok
      ? `valid at ${time.toISOString()} (${window})`
      : `the RA-TLS certificate is ${time < notBefore ? "not yet valid" : "expired"} at ${time.toISOString()} (valid ${window})`,
  };
}

/**
 * Connects over TLS and returns the server's certificate as PEM. No chain or hostname check: the
 * certificate is self-signed and is trusted only through the quote it carries.
 */
export function fetchPeerCertificate(
  host: string,
  port: number,
  options: { timeoutMs?: number } = {},
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const where = `${host}:${port}`;
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      rejectUnauthorized: false,
      ...(isIP(host) === 0 ? { servername: host } : {}),
    });
    const fail = (why: string, cause?: unknown): void => {
      socket.destroy();
      reject(new Error(`cannot read the TLS certificate of ${where}: ${why}`, { cause }));
    };
    socket.setTimeout(timeoutMs, () => fail(`no TLS handshake within ${timeoutMs} ms`));
    socket.once("error", (error) => fail(error.message, error));
    socket.once("secureConnect", () => {
      const peer = socket.getPeerX509Certificate?.() as X509Certificate | undefined;
      socket.end();
      if (!peer) return fail("the server sent no certificate");
      resolve(toPem(new Uint8Array(peer.raw), "CERTIFICATE"));
    });
  });
}
