// The app name rule: one name that works as a directory, inside `package_<name>_<ns>.tar`, and as a
// Docker label or container-name part, so no later command fails on a name an earlier one accepted.

/**
 * 223 = 255 (the usual file-name limit) − the 32 characters `package_`, `_<19-digit ns>` and `.tar`
 * add around the name in the package's file name.
 */
export const APP_NAME_MAX_LENGTH = 223;
const APP_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const APP_NAME_EXPECTATION = `1 to ${APP_NAME_MAX_LENGTH} characters among letters, digits, ".", "_" and "-", starting with a letter or digit`;

/** What is wrong with a name, or undefined when it is a valid app name. */
export function appNameProblem(name: string): string | undefined {
  if (name.length === 0) return "it is empty";
  if (name.length > APP_NAME_MAX_LENGTH) return `it is ${name.length} characters long`;
  if (!APP_NAME_PATTERN.test(name)) {
    return /^[A-Za-z0-9]/.test(name)
      ? 'it contains a character other than a letter, a digit, ".", "_" or "-"'
      : "it does not start with a letter or a digit";
  }
  return undefined;
}

export class InvalidAppNameError extends Error {
  constructor(name: string, problem: string) {
    super(`invalid app name ${JSON.stringify(name)}: ${problem}; expected ${APP_NAME_EXPECTATION}`);
    this.name = "InvalidAppNameError";
  }
}

/** Returns the name when valid; throws InvalidAppNameError saying why otherwise. */
export function checkAppName(name: string): string {
  const problem = appNameProblem(name);
  if (problem !== undefined) throw new InvalidAppNameError(name, problem);
  return name;
}
