// Signed X.509 v2 CRLs in Intel's profile (CRL number, authority key id, key-compromise entries) for the simulated CAs.
import { sign } from "node:crypto";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AuthorityKeyIdentifier,
  CRLNumber,
  CRLReason,
  CRLReasons,
  Certificate,
  CertificateList,
  Extension,
  KeyIdentifier,
  RevokedCertificate,
  SubjectKeyIdentifier,
  TBSCertList,
  Time,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_cRLNumber,
  id_ce_cRLReasons,
  id_ce_subjectKeyIdentifier,
} from "@peculiar/asn1-x509";
import { certificatesFromPem, toPem } from "../attestation/pem.js";
import type { SigningAuthority } from "./pki.js";

const ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";

export interface RevokedEntry {
  /** Serial number of the revoked certificate, hexadecimal. */
  serialNumber: string;
  revokedAt: Date;
}

export interface CrlRequest {
  issuer: SigningAuthority;
  thisUpdate: Date;
  nextUpdate: Date;
  revoked?: readonly RevokedEntry[];
  crlNumber?: number;
}

function extension(extnID: string, value: object): Extension {
  return new Extension({ extnID, critical: false, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** DER of a CRL signed by the issuer, naming it exactly as its certificate does. */
export function buildCrl(request: CrlRequest): Uint8Array {
  const issuerCert = AsnConvert.parse(
    certificatesFromPem(request.issuer.certificatePem, "the CRL issuer")[0]!,
    Certificate,
  );
  const skiExtension = issuerCert.tbsCertificate.extensions?.find(
    (e) => e.extnID === id_ce_subjectKeyIdentifier,
  );
  if (!skiExtension) throw new Error("the CRL issuer's certificate has no subject key identifier");
  const keyId = AsnConvert.parse(skiExtension.extnValue, SubjectKeyIdentifier);

  const revoked = (request.revoked ?? []).map(
    (entry) =>
      new RevokedCertificate({
        userCertificate: Uint8Array.from(Buffer.from(entry.serialNumber, "hex")).buffer,
        revocationDate: new Time(entry.revokedAt),
        crlEntryExtensions: [extension(id_ce_cRLReasons, new CRLReason(CRLReasons.keyCompromise))],
      }),
  );
  const algorithm = new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 });
  const tbs = new TBSCertList({
    version: Version.v2,
    signature: algorithm,
    issuer: issuerCert.tbsCertificate.subject,
    thisUpdate: new Time(request.thisUpdate),
    nextUpdate: new Time(request.nextUpdate),
    revokedCertificates: revoked.length > 0 ? revoked : undefined,
    crlExtensions: [
      extension(id_ce_cRLNumber, new CRLNumber(request.crlNumber ?? 1)),
      extension(
        id_ce_authorityKeyIdentifier,
        new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyId) }),
      ),
    ],
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = sign("sha256", tbsDer, request.issuer.privateKey);
  const crl = new CertificateList({
    tbsCertList: tbs,
    signatureAlgorithm: algorithm,
    signature: Uint8Array.from(signature).buffer,
  });
  return new Uint8Array(AsnConvert.serialize(crl));
}

/** Intel serves CRLs as "X509 CRL" PEM (not the "CRL" label most libraries write). */
export function crlToPem(der: Uint8Array): string {
  return toPem(der, "X509 CRL");
}
