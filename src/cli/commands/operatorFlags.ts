// Flag parsers the operator's commands share: whole numbers in a range, minutes, days, ports.
import { InvalidArgumentError } from "commander";

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
