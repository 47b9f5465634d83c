/**
 * The few path operations the I/O layer needs, on plain strings, so the
 * library imports no `node:path`: `/` separates everywhere, and `\` too when
 * the runtime runs on Windows.
 *
 * @module
 */

/** Whether the runtime runs on Windows (read when called, never at import). */
function onWindows(): boolean {
  const g = globalThis as { Deno?: { build?: { os?: string } }; process?: { platform?: string } };
  return g.Deno?.build?.os === "windows" || g.process?.platform === "win32";
}

function separators(): RegExp {
  return onWindows() ? /[\\/]/ : /\//;
}

function lastSeparator(path: string): number {
  const re = separators();
  for (let i = path.length - 1; i >= 0; i--) if (re.test(path[i])) return i;
  return -1;
}

/** `path` without trailing separators (a lone root separator stays). */
function trimEnd(path: string): string {
  if (path.length <= 1) return path;
  return path.replace(onWindows() ? /[\\/]+$/ : /\/+$/, "") || path[0];
}

/** The last component of `path` (trailing separators ignored). */
export function basename(path: string): string {
  const trimmed = trimEnd(path);
  return trimmed.slice(lastSeparator(trimmed) + 1);
}

/** Everything before the last component (`.` when there is none). */
export function dirname(path: string): string {
  const trimmed = trimEnd(path);
  const i = lastSeparator(trimmed);
  if (i < 0) return ".";
  if (i === 0) return trimmed[0];
  return trimmed.slice(0, i);
}

/** The extension of the last component, with its dot (`""` when there is none). */
export function extname(path: string): string {
  const base = basename(path);
  const dot = base.lastIndexOf(".");
  return dot <= 0 ? "" : base.slice(dot);
}

/** `dir` and `name` joined with one separator. */
export function join(dir: string, name: string): string {
  if (dir === "" || dir === ".") return name;
  if (separators().test(dir[dir.length - 1])) return dir + name;
  return dir + (onWindows() ? "\\" : "/") + name;
}
