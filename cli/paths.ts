/**
 * Path helpers of the CLI.
 *
 * @module
 */

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** The directory the user ran the command from (`deno task` changes into the config's folder). */
export function userCwd(): string {
  try {
    return Deno.env.get("INIT_CWD") ?? Deno.cwd();
  } catch {
    return Deno.cwd();
  }
}

/** A path resolved against the user's directory. */
export function userPath(path: string, cwd: string = userCwd()): string {
  return resolve(cwd, path);
}

/** A `file:` URL for an absolute path. */
export function toFileUrl(path: string): string {
  return pathToFileURL(path).href;
}

/** Whether two paths name the same existing file. */
export function sameFile(a: string, b: string): boolean {
  try {
    return Deno.realPathSync(a) === Deno.realPathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

/** Whether a file exists. */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
