// The limits of the configuration server, which anyone who reaches the app port can talk to before
// the code provider runs `run`: every connection, header, body and idle period is bounded, so a
// hostile client can neither exhaust the enclave's memory nor starve the one legitimate request.
// docs/ARCHITECTURE.md explains each value.
import { CONFIGURATION_PAYLOAD_MAX_BYTES } from "../model/configurationPayload.js";

export interface ConfigurationServerLimits {
  /** Open TCP connections (TLS handshakes included); beyond, a new connection is closed at once. */
  maxConnections: number;
  /** Time to complete the TLS handshake. */
  tlsHandshakeTimeoutMs: number;
  /** Time, from the first byte of a request (or the end of the handshake), to receive all its headers. */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included. */
  requestTimeoutMs: number;
  /** Idle time allowed between two requests on one connection. */
  keepAliveTimeoutMs: number;
  /** Inactivity after which any connection is closed, whatever it is doing. */
  socketIdleTimeoutMs: number;
  /** How often the server looks for requests past their header or request time-out. */
  timeoutCheckIntervalMs: number;
  /** Bytes of the request line and headers together. */
  maxHeaderBytes: number;
  /** Headers in one request. */
  maxHeaderCount: number;
  /** Requests served on one connection; the last answer says `Connection: close`. */
  maxRequestsPerSocket: number;
  /** Bytes of one POST body (the configuration payload's upper bound): 413 beyond. */
  maxBodyBytes: number;
  /** Bytes of all POST bodies held in memory at once: 503 beyond, so many large bodies cannot exhaust memory. */
  maxBufferedBodyBytes: number;
}

export const CONFIGURATION_SERVER_LIMITS: Readonly<ConfigurationServerLimits> = {
  maxConnections: 2048,
  tlsHandshakeTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  socketIdleTimeoutMs: 60_000,
  timeoutCheckIntervalMs: 1_000,
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 64,
  maxRequestsPerSocket: 100,
  maxBodyBytes: CONFIGURATION_PAYLOAD_MAX_BYTES,
  maxBufferedBodyBytes: 16 * CONFIGURATION_PAYLOAD_MAX_BYTES,
};
