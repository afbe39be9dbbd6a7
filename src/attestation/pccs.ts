// Client of Intel's PCCS (Provisioning Certificate Caching Service) API, v4 by default and v3:
// fetches the collateral of one platform (PCK CRL, TCB info, QE identity, root CA CRL) with the
// issuer chains PCCS returns in URL-encoded PEM headers. Every failure names the URL and why; every
// request is bounded in time (connection, headers and body together) and in size.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Collateral } from "./collateral.js";
import { AttestationFormatError } from "./errors.js";
import { parseCertificate } from "./certificate.js";
import { parseCrl } from "./crl.js";
import { certificatesFromPem } from "./pem.js";
import { certificationChainPems, parseQuote, type Quote } from "./quote.js";
import { toHex } from "./bytes.js";
import { parseSignedJson } from "./signedJson.js";

export type PccsApiVersion = 3 | 4;
export type PckCa = "platform" | "processor";

/** The subset of WHATWG fetch the client uses; tests and callers may pass their own. */
export type FetchLike = (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;

export interface PccsClientOptions {
  /** PCCS address, e.g. `https://localhost:8081` or `https://localhost:8081/sgx/certification/v4/`. */
  baseUrl: string;
  /** Per-request timeout, from connecting to the last body byte (default 10 s). */
  timeoutMs?: number;
  /** API version; by default the one in `baseUrl`, else 4. */
  apiVersion?: PccsApiVersion;
  /**
   * Accept a PCCS whose HTTPS certificate is self-signed or otherwise untrusted, as Intel's QCNL
   * does with `use_secure_cert: false` (the default PCCS install uses a self-signed certificate).
   * The collateral itself stays verified against the Intel SGX Root CA, so this only affects
   * availability, never the verdict.
   */
  insecureTls?: boolean;
  fetch?: FetchLike;
}

/** What to ask PCCS for a quote: its PCK certificate's FMSPC and the CA that issued it. */
export function collateralRequestForQuote(quote: Uint8Array | Quote): { fmspc: string; ca: PckCa } {
  const parsed = quote instanceof Uint8Array ? parseQuote(quote) : quote;
  const [leafPem] = certificationChainPems(parsed.signatureData.certificationData);
  if (!leafPem) throw new AttestationFormatError("the quote carries no PCK certificate");
  const leaf = parseCertificate(certificatesFromPem(leafPem, "PCK certificate")[0]!, "PCK certificate");
  const issuer = leaf.issuerCommonName;
  const ca: PckCa | undefined = issuer.includes("Platform")
    ? "platform"
    : issuer.includes("Processor")
      ? "processor"
      : undefined;
  if (!ca) {
    throw new AttestationFormatError(
      `the PCK certificate's issuer "${issuer}" is neither a PCK Platform nor a PCK Processor CA`,
    );
  }
  return { fmspc: toHex(leaf.pckExtension.fmspc).toUpperCase(), ca };
}

export class PccsError extends Error {
  constructor(
    readonly url: string,
    why: string,
    options?: { cause?: unknown },
  ) {
    super(`PCCS request ${url} failed: ${why}`, options);
    this.name = "PccsError";
  }
}

const API_PATH = /\/sgx\/certification\/v(\d+)\/?$/;

export const DEFAULT_PCCS_TIMEOUT_MS = 10_000;

/** Collateral is kilobytes (a PCK CRL of a large fleet, a few MB): anything bigger is not collateral. */
export const MAX_PCCS_BODY_BYTES = 16 * 1024 * 1024;

class BodyTooLargeError extends Error {
  constructor() {
    super(`the answer is larger than ${MAX_PCCS_BODY_BYTES} bytes, more than any collateral`);
    this.name = "BodyTooLargeError";
  }
}

/** A fetch over node:http(s), so that TLS verification can be relaxed for a local PCCS. */
export function nodeFetch(options: { insecureTls?: boolean } = {}): FetchLike {
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const send =
        target.protocol === "https:" ? httpsRequest : target.protocol === "http:" ? httpRequest : undefined;
      if (!send) return reject(new Error(`unsupported protocol ${target.protocol}`));
      const req = send(
        target,
        {
          method: "GET",
          signal: init?.signal,
          ...(target.protocol === "https:" ? { rejectUnauthorized: options.insecureTls !== true } : {}),
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            size += c.length;
            if (size > MAX_PCCS_BODY_BYTES) {
              req.destroy(new BodyTooLargeError());
              return;
            }
            chunks.push(c);
          });
          res.on("error", reject);
          res.on("end", () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              if (typeof value === "string") headers.set(name, value);
              else if (Array.isArray(value)) headers.set(name, value.join(", "));
            }
            const status = res.statusCode ?? 0;
            const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(body, { status, statusText: res.statusMessage ?? "", headers }));
          });
        },
      );
      req.on("error", reject);
      // An abort (the timeout) once the headers came cuts the body short: that is a failure too.
      req.on("close", () => {
        if (init?.signal?.aborted) reject(init.signal.reason);
      });
      req.end();
    });
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (e.name === "TimeoutError" || e.name === "AbortError")
    return `no complete answer within ${timeoutMs} ms (the PCCS timeout)`;
  if (e.name === "BodyTooLargeError") return e.message!;
  const code = e.code ?? e.cause?.code;
  const text = e.cause?.message ?? e.message ?? String(error);
  if (
    code === "DEPTH_ZERO_SELF_SIGNED_CERT" ||
    code === "SELF_SIGNED_CERT_IN_CHAIN" ||
    code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE"
  ) {
    return `${text} (the PCCS certificate is not trusted; a local PCCS with a self-signed certificate needs the insecure TLS option)`;
  }
  return code && !text.includes(code) ? `${code}: ${text}` : text;
}

/** The response's media type, lower case without parameters ("" when none is given). */
function mediaTypeOf(response: Response): string {
  return (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

/** " (served as <type>)", to tell a wrong answer from a damaged one. */
function servedAs(response: Response): string {
  const type = mediaTypeOf(response);
  return type ? ` (served as ${type.slice(0, 80)})` : "";
}

export class PccsClient {
  readonly baseUrl: string;
  readonly apiVersion: PccsApiVersion;
  private readonly timeoutMs: number;
  private readonly fetch: FetchLike;

  constructor(options: PccsClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch (cause) {
      throw new AttestationFormatError(`PCCS URL "${options.baseUrl}" is not a URL`, { cause });
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new AttestationFormatError(`PCCS URL "${options.baseUrl}" must use https or http`);
    }
    const path = url.pathname.replace(/\/+$/, "");
    const match = API_PATH.exec(`${path}/`);
    const versionInUrl = match ? Number(match[1]) : undefined;
    if (versionInUrl !== undefined && versionInUrl !== 3 && versionInUrl !== 4) {
      throw new AttestationFormatError(`PCCS API v${versionInUrl} is not supported (v3 or v4)`);
    }
    this.apiVersion = options.apiVersion ?? (versionInUrl as PccsApiVersion | undefined) ?? 4;
    this.baseUrl = `${url.origin}${match ? path.replace(API_PATH, "") : path}`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_PCCS_TIMEOUT_MS;
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs <= 0) {
      throw new AttestationFormatError(`the PCCS timeout must be a positive number of milliseconds`);
    }
    this.fetch = options.fetch ?? nodeFetch({ insecureTls: options.insecureTls === true });
  }

  url(endpoint: string): string {
    return `${this.baseUrl}/sgx/certification/v${this.apiVersion}/${endpoint}`;
  }

  private async get(endpoint: string): Promise<{ url: string; response: Response; body: Uint8Array }> {
    const url = this.url(endpoint);
    let response: Response;
    let body: Uint8Array;
    try {
      response = await this.fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
      body = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw new PccsError(url, describeFailure(error, this.timeoutMs), { cause: error });
    }
    if (!response.ok) {
      const detail = Buffer.from(body.subarray(0, 200)).toString("utf8").trim();
      throw new PccsError(
        url,
        `HTTP ${response.status} ${response.statusText}${detail ? ` (${detail})` : ""}`.trim(),
      );
    }
    return { url, response, body };
  }

  /** An issuer chain header: URL-encoded PEM. The first name PCCS uses wins. */
  private chainHeader(url: string, response: Response, names: string[]): string {
    const raw = names.map((n) => response.headers.get(n)).find((v) => v);
    if (!raw) throw new PccsError(url, `the response has no ${names.join(" or ")} header`);
    let pem: string;
    try {
      pem = decodeURIComponent(raw);
      certificatesFromPem(pem, `${names[0]} header`);
    } catch (cause) {
      throw new PccsError(url, `the ${names[0]} header is not a URL-encoded PEM chain`, { cause });
    }
    return pem;
  }

  /** A CRL body as PCCS serves it (PEM, hex of DER, or raw DER), kept as PEM or hex text. */
  private crlText(url: string, response: Response, body: Uint8Array): string {
    const text =
      body[0] === 0x30 ? Buffer.from(body).toString("hex") : Buffer.from(body).toString("utf8").trim();
    try {
      parseCrl(text, "CRL");
    } catch (cause) {
      throw new PccsError(url, `the body${servedAs(response)} is not a CRL (PEM, hex or DER)`, { cause });
    }
    return text;
  }

  private signedBody(
    url: string,
    response: Response,
    body: Uint8Array,
    key: "tcbInfo" | "enclaveIdentity",
  ): string {
    // A web page (a proxy's or captive portal's answer) is never collateral, whatever it holds.
    if (mediaTypeOf(response) === "text/html") {
      throw new PccsError(url, `the body is served as text/html, not as a signed ${key} JSON document`);
    }
    const text = Buffer.from(body).toString("utf8");
    try {
      parseSignedJson(text, key, "body");
    } catch (cause) {
      throw new PccsError(url, `the body${servedAs(response)} is not a signed ${key} document`, { cause });
    }
    return text;
  }

  async pckCrl(ca: PckCa): Promise<{ crl: string; issuerChain: string }> {
    const { url, response, body } = await this.get(`pckcrl?ca=${ca}`);
    return {
      crl: this.crlText(url, response, body),
      issuerChain: this.chainHeader(url, response, ["SGX-PCK-CRL-Issuer-Chain"]),
    };
  }

  async tcbInfo(fmspc: string): Promise<{ tcbInfo: string; issuerChain: string }> {
    if (!/^[0-9a-fA-F]{12}$/.test(fmspc))
      throw new AttestationFormatError(`FMSPC "${fmspc}" must be 6 bytes of hex`);
    const { url, response, body } = await this.get(`tcb?fmspc=${fmspc.toUpperCase()}`);
    return {
      tcbInfo: this.signedBody(url, response, body, "tcbInfo"),
      issuerChain: this.chainHeader(url, response, ["TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain"]),
    };
  }

  async qeIdentity(): Promise<{ qeIdentity: string; issuerChain: string }> {
    const { url, response, body } = await this.get("qe/identity");
    return {
      qeIdentity: this.signedBody(url, response, body, "enclaveIdentity"),
      issuerChain: this.chainHeader(url, response, ["SGX-Enclave-Identity-Issuer-Chain"]),
    };
  }

  async rootCaCrl(): Promise<string> {
    const { url, response, body } = await this.get("rootcacrl");
    // Some PCCS versions serve the DER as hex text, others the DER itself.
    return this.crlText(url, response, body);
  }

  /** Everything a quote from this platform needs, fetched in parallel. */
  async fetchCollateral(request: { fmspc: string; ca: PckCa }): Promise<Collateral> {
    if (request.ca !== "platform" && request.ca !== "processor") {
      throw new AttestationFormatError(
        `PCK CA must be "platform" or "processor", not "${String(request.ca)}"`,
      );
    }
    const [pck, tcb, qe, rootCrl] = await Promise.all([
      this.pckCrl(request.ca),
      this.tcbInfo(request.fmspc),
      this.qeIdentity(),
      this.rootCaCrl(),
    ]);
    return {
      pck_crl_issuer_chain: pck.issuerChain,
      root_ca_crl: rootCrl,
      pck_crl: pck.crl,
      tcb_info_issuer_chain: tcb.issuerChain,
      tcb_info: tcb.tcbInfo,
      qe_identity_issuer_chain: qe.issuerChain,
      qe_identity: qe.qeIdentity,
    };
  }
}
