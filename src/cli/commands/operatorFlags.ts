// Flags the operator's commands share: parsers of whole numbers in a range, minutes, days, ports,
// and the PCCS the collateral comes from.
import { type Command, InvalidArgumentError } from "commander";
import type { PccsSource } from "../../model/pccsSource.js";

function wholeNumber(value: string, what: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(value.trim())) throw new InvalidArgumentError(`${what} must be a whole number.`);
  const number = Number(value.trim());
  if (number < min || number > max)
    throw new InvalidArgumentError(`${what} must be between ${min} and ${max}.`);
  return number;
}

export function parsePort(value: string): number {
  return wholeNumber(value, "the port", 1, 65535);
}

/** Minutes, possibly fractional (e.g. 0.5), between 1 second and a day. */
export function parseMinutes(value: string): number {
  const minutes = Number(value.trim());
  if (!/^[0-9]*\.?[0-9]+$/.test(value.trim()) || !(minutes > 0) || minutes > 24 * 60) {
    throw new InvalidArgumentError("the timeout must be a number of minutes, more than 0 and at most 1440.");
  }
  return minutes;
}

export function parseDays(value: string): number {
  return wholeNumber(value, "the number of days", 1, 36_500);
}

export function parseMegabytes(value: string): number {
  return wholeNumber(value, "the enclave size (MB)", 1, 1024 * 1024 * 1024);
}

export function parseLines(value: string): number {
  return wholeNumber(value, "the number of lines", 0, Number.MAX_SAFE_INTEGER);
}

/** Seconds, possibly fractional, between 1 ms and 10 minutes: how long one PCCS request may take. */
export function parsePccsTimeout(value: string): number {
  const seconds = Number(value.trim());
  if (!/^[0-9]*\.?[0-9]+$/.test(value.trim()) || !(seconds >= 0.001) || seconds > 600) {
    throw new InvalidArgumentError(
      "the PCCS timeout must be a number of seconds, at least 0.001 and at most 600.",
    );
  }
  return seconds;
}

export interface PccsFlags {
  pccs?: string;
  pccsInsecureTls?: boolean;
  pccsTimeout?: number;
}

/** Adds --pccs <url> and --pccs-insecure-tls, for the commands that fetch collateral. */
export function addPccsOptions(command: Command): Command {
  return command
    .option(
      "--pccs <url>",
      "the PCCS to fetch the collateral from (default: pccs_url of /etc/sgx_default_qcnl.conf)",
    )
    .option(
      "--pccs-insecure-tls",
      "accept the PCCS's self-signed HTTPS certificate (the code provider still verifies the collateral against Intel's root)",
    )
    .option(
      "--pccs-timeout <seconds>",
      "how long one PCCS request may take, connection to last byte (default 10)",
      parsePccsTimeout,
    );
}

export function pccsSourceOf(flags: PccsFlags): PccsSource {
  return {
    ...(flags.pccs !== undefined ? { pccsUrl: flags.pccs } : {}),
    pccsInsecureTls: flags.pccsInsecureTls === true,
    ...(flags.pccsTimeout !== undefined ? { pccsTimeoutMs: Math.round(flags.pccsTimeout * 1000) } : {}),
  };
}
