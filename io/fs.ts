/**
 * File access for `readImage`, `writeImage`, `writeFileAtomic` and
 * `readKernel`, in whichever runtime the library runs: Deno's own API, or
 * `node:fs/promises` in Node and Bun (reached through
 * `process.getBuiltinModule`, so nothing imports a `node:` module and the
 * library still bundles for a browser). In a browser there is no file
 * system: every call says so in one line and points to the in-memory
 * `decodeImage`/`encodeImage`.
 *
 * @module
 */

import { FilterError } from "../core/errors.ts";

/** What a failed file operation was, whatever the runtime called it. */
export type FileErrorKind =
  | "not-found"
  | "permission"
  | "not-capable"
  | "is-directory"
  | "exists"
  | "other";

/** The file operations the I/O layer uses. */
export interface Files {
  /** Size and kind of a file (following links). */
  stat(path: string): Promise<{ size: number; isDirectory: boolean }>;
  /** Whether anything (a link included) exists at `path`. */
  exists(path: string): Promise<boolean>;
  /** The whole file. */
  readFile(path: string): Promise<Uint8Array>;
  /**
   * Creates `path` (failing if it exists), writes `bytes`, flushes them to
   * disk, closes it; a failure after creating removes the file again.
   */
  writeNew(path: string, bytes: Uint8Array): Promise<void>;
  /** Renames `from` to `to`, replacing `to`. */
  rename(from: string, to: string): Promise<void>;
  /** Hard-links `to` to `from`; fails if `to` exists. */
  link(from: string, to: string): Promise<void>;
  /** Removes a file. */
  remove(path: string): Promise<void>;
  /** The kind of a failure this runtime threw. */
  kind(error: unknown): FileErrorKind;
}

interface NodeFsPromises {
  stat(path: string): Promise<{ size: number; isDirectory(): boolean }>;
  lstat(path: string): Promise<unknown>;
  readFile(path: string): Promise<Uint8Array>;
  open(path: string, flags: string): Promise<{
    write(b: Uint8Array, off: number, len: number): Promise<{ bytesWritten: number }>;
    datasync(): Promise<void>;
    close(): Promise<void>;
  }>;
  rename(from: string, to: string): Promise<void>;
  link(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

function denoFiles(deno: typeof Deno): Files {
  const errors = deno.errors;
  return {
    async stat(path) {
      const info = await deno.stat(path);
      return { size: info.size, isDirectory: info.isDirectory };
    },
    async exists(path) {
      try {
        await deno.lstat(path);
        return true;
      } catch (e) {
        if (e instanceof errors.NotFound) return false;
        throw e;
      }
    },
    readFile: (path) => deno.readFile(path),
    async writeNew(path, bytes) {
      const file = await deno.open(path, { write: true, createNew: true });
      try {
        let off = 0;
        while (off < bytes.length) off += await file.write(bytes.subarray(off));
        await file.syncData();
      } catch (e) {
        file.close();
        await deno.remove(path).catch(() => {});
        throw e;
      }
      file.close();
    },
    rename: (from, to) => deno.rename(from, to),
    link: (from, to) => deno.link(from, to),
    remove: (path) => deno.remove(path),
    kind(e) {
      if (e instanceof errors.NotFound) return "not-found";
      if (e instanceof errors.PermissionDenied) return "permission";
      if ((e as Error)?.name === "NotCapable") return "not-capable";
      if (e instanceof errors.IsADirectory) return "is-directory";
      if (e instanceof errors.AlreadyExists) return "exists";
      return "other";
    },
  };
}

function nodeFiles(fs: NodeFsPromises): Files {
  return {
    async stat(path) {
      const info = await fs.stat(path);
      return { size: info.size, isDirectory: info.isDirectory() };
    },
    async exists(path) {
      try {
        await fs.lstat(path);
        return true;
      } catch (e) {
        if ((e as { code?: string })?.code === "ENOENT") return false;
        throw e;
      }
    },
    async readFile(path) {
      const b = await fs.readFile(path);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    },
    async writeNew(path, bytes) {
      const file = await fs.open(path, "wx");
      try {
        let off = 0;
        while (off < bytes.length) {
          off += (await file.write(bytes, off, bytes.length - off)).bytesWritten;
        }
        await file.datasync();
      } catch (e) {
        await file.close();
        await fs.unlink(path).catch(() => {});
        throw e;
      }
      await file.close();
    },
    rename: (from, to) => fs.rename(from, to),
    link: (from, to) => fs.link(from, to),
    remove: (path) => fs.unlink(path),
    kind(e) {
      switch ((e as { code?: string })?.code) {
        case "ENOENT":
          return "not-found";
        case "EACCES":
        case "EPERM":
          return "permission";
        case "EISDIR":
          return "is-directory";
        case "EEXIST":
          return "exists";
        default:
          return "other";
      }
    },
  };
}

let cached: Files | undefined;

/**
 * The runtime's file access, or a one-line `IO` error where there is none
 * (a browser): `what` names the call that needed it.
 */
export function files(what: string): Files {
  if (cached) return cached;
  const g = globalThis as {
    Deno?: typeof Deno;
    process?: { getBuiltinModule?: (id: string) => unknown };
  };
  if (g.Deno?.readFile) return cached = denoFiles(g.Deno);
  const fs = g.process?.getBuiltinModule?.("node:fs/promises") as NodeFsPromises | undefined;
  if (fs) return cached = nodeFiles(fs);
  throw new FilterError(
    "IO",
    `${what} needs file access (Deno, Node or Bun); in a browser use decodeImage/encodeImage on bytes`,
  );
}
