// The policy a verification applies, from the command's allowances: the allow flags as given, and
// the advisory allowlist from --allow-advisory and the --allowed-advisories file together.
import { parseAdvisoryAllowlist } from "../attestation/advisoryAllowlist.js";
import type { Policy } from "../attestation/policy.js";
import { readInputText } from "../model/inputFile.js";

export interface PolicyRequest {
  policy?: Policy | undefined;
  /** A file of advisory IDs to accept, beside the policy's own. */
  allowedAdvisoriesFile?: string | undefined;
}

export async function resolvePolicy(request: PolicyRequest): Promise<Policy> {
  const policy = request.policy ?? {};
  if (request.allowedAdvisoriesFile === undefined) return policy;
  const text = await readInputText(request.allowedAdvisoriesFile, "the allowed advisories file");
  const listed = parseAdvisoryAllowlist(text, request.allowedAdvisoriesFile);
  return { ...policy, allowedAdvisories: [...new Set([...(policy.allowedAdvisories ?? []), ...listed])] };
}
