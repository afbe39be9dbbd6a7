// The certificate a spawned app presents, accepted only as an RA-TLS certificate: it carries a
// quote whose report_data binds the certificate's key. Whoever answers with it holds the
// enclave's key, so `run` and `test` pin their connections to it. (Whether the enclave is the
// right one is for the code provider's `verify` to say.)
import { parseQuote } from "../attestation/quote.js";
import { checkReportDataBinding, extractQuoteFromCertificate } from "../attestation/ratls.js";
import type { AppContainer } from "../docker/appContainer.js";
import type { EngineReach } from "../docker/engine.js";
import { appEndpoint, fetchAppPeerCertificate } from "./appEndpoint.js";

export async function fetchAppCertificate(app: AppContainer, reach?: EngineReach): Promise<string> {
  const certificatePem = await fetchAppPeerCertificate(appEndpoint(app, reach));
  let binding;
  try {
    binding = checkReportDataBinding(certificatePem, parseQuote(extractQuoteFromCertificate(certificatePem)));
  } catch (cause) {
    throw new Error(`the app "${app.name}" does not present an RA-TLS certificate`, { cause });
  }
  if (!binding.ok) {
    throw new Error(
      `the app "${app.name}" presents a certificate its quote does not vouch for: ${binding.reason}`,
    );
  }
  return certificatePem;
}
