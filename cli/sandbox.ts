/**
 * Third-party plugins with least privilege: each module named with
 * `--plugin` is imported in its own worker (`plugin_host.ts`) whose Deno
 * permissions are none — no file, network, environment, subprocess, FFI or
 * system access, and imports only from the module's own host — unless the
 * user grants them (`--plugin-allow-read=…`, `--plugin-allow-net=…`, …).
 *
 * The CLI registers a stand-in for each plugin the module exports: the
 * same name, summary, param specs and flags, whose `apply` sends the image
 * (a copy: the registry gives third-party plugins copies) to the worker and
 * rebuilds the result. So a plugin cannot read what it was not given,
 * change the caller's image, or replace a built-in (a taken name is a
 * `DUPLICATE_FILTER` error unless `--replace`); its errors name it and its
 * module; `--timeout` (or any abort) terminates its worker, which stops even
 * an endless loop; and a promise that can never settle is reported (see
 * `plugin_host.ts`) instead of hanging the CLI.
 *
 * @module
 */

import {
  type AnyPlugin,
  type FilterContext,
  FilterError,
  type FilterResult,
  type Image,
  type ParamSpec,
  PLUGIN_BRAND,
  type Registry,
} from "../mod.ts";

/** What a worker tells the CLI about one plugin (everything but `apply` and `halo`). */
export interface PluginDescriptor {
  name: string;
  summary: string;
  params: Record<string, ParamSpec>;
  linear?: boolean;
  shape?: "same" | "any";
  example?: string;
  cost?: string;
}

/** A request to run a plugin, sent to the worker (`plugin_host.ts`). */
export interface HostRequest {
  kind: "run";
  id: number;
  name: string;
  image: unknown;
  params: Record<string, unknown>;
}

/** Messages from the worker (`plugin_host.ts`). */
export type HostReply =
  | { kind: "loaded"; plugins: PluginDescriptor[] }
  | { kind: "load-failed"; code: string; message: string }
  | { kind: "done"; id: number; image?: unknown; data?: Record<string, unknown> }
  | { kind: "failed"; id: number; code?: string; message: string }
  | { kind: "never"; id: number }
  | { kind: "progress"; id: number; fraction: number };

/** The Deno permissions a sandbox may be granted: `true` for all, a list for some. */
export const GRANTABLE = ["read", "write", "net", "env", "run", "ffi", "sys", "import"] as const;

/** One grantable permission. */
export type Grantable = typeof GRANTABLE[number];

/** What the user granted plugins (`--plugin-allow-<name>[=list]`). */
export type Grants = Partial<Record<Grantable, true | string[]>>;

/** Options of {@linkcode loadSandboxed}. */
export interface SandboxOptions {
  /** Permissions granted beyond none. */
  grants?: Grants;
  /** Let the module's plugins replace filters of the same name (built-ins included). */
  replace?: boolean;
}

/** The hosts a plugin module is imported from, which its worker may import from. */
function moduleHosts(url: string): string[] {
  if (url.startsWith("jsr:")) return ["jsr.io"];
  if (/^https?:/.test(url)) return [new URL(url).host];
  return [];
}

/** One module's worker: started on demand, terminated when a run is stopped. */
class Host {
  #worker: Worker | undefined;
  #loaded: Promise<PluginDescriptor[]> | undefined;
  #next = 0;
  #pending = new Map<number, (m: HostReply | { kind: "crashed"; message: string }) => void>();
  #progress = new Map<number, (f: number) => void>();

  constructor(readonly url: string, readonly spec: string, readonly grants: Grants) {}

  /** The module's plugins, loading it in a fresh worker if none is running. */
  load(): Promise<PluginDescriptor[]> {
    if (this.#loaded) return this.#loaded;
    const g = this.grants;
    const allow = (k: Grantable) => g[k] ?? false;
    const imports = g.import === true ? true : [...moduleHosts(this.url), ...(g.import ?? [])];
    // The worker's main module names the plugin module literally, so it and
    // its own imports load without read permission (see plugin_host.ts).
    const host = new URL("./plugin_host.ts", import.meta.url).href;
    const main = `import { load } from ${JSON.stringify(host)};\n` +
      `load(() => import(${JSON.stringify(this.url)}), ${JSON.stringify(this.spec)});\n`;
    const worker = new Worker(`data:application/javascript,${encodeURIComponent(main)}`, {
      type: "module",
      deno: {
        permissions: {
          read: allow("read"),
          write: allow("write"),
          net: allow("net"),
          env: allow("env"),
          run: allow("run"),
          ffi: allow("ffi"),
          sys: allow("sys"),
          import: imports === true || imports.length ? imports : false,
        },
      },
    } as WorkerOptions);
    this.#worker = worker;
    const loaded = new Promise<PluginDescriptor[]>((resolve, reject) => {
      worker.onmessage = (ev: MessageEvent<HostReply>) => {
        const m = ev.data;
        if (m.kind === "loaded") resolve(m.plugins);
        else if (m.kind === "load-failed") {
          this.stop();
          reject(new FilterError(m.code as never, m.message));
        } else if (m.kind === "progress") this.#progress.get(m.id)?.(m.fraction);
        else this.#settle(m.id, m);
      };
      worker.onerror = (ev) => {
        ev.preventDefault();
        const message = ev.message ?? "the worker failed";
        this.stop(message);
        reject(new FilterError("IO", `cannot load plugin module ${this.spec}: ${message}`));
      };
    });
    this.#loaded = loaded;
    return loaded;
  }

  #settle(id: number, m: HostReply | { kind: "crashed"; message: string }): void {
    const done = this.#pending.get(id);
    this.#pending.delete(id);
    this.#progress.delete(id);
    done?.(m);
  }

  /** Terminates the worker; runs under way end with `message` (as a crash). */
  stop(message = "its worker was stopped"): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#loaded = undefined;
    for (const id of [...this.#pending.keys()]) this.#settle(id, { kind: "crashed", message });
  }

  /** Runs plugin `name` in the worker; rejects with the signal's reason when it aborts. */
  async run(
    name: string,
    image: Image,
    params: unknown,
    ctx: FilterContext,
  ): Promise<FilterResult> {
    await this.load();
    const worker = this.#worker!, id = this.#next++;
    const label = `filter ${JSON.stringify(name)} (plugin ${this.spec})`;
    const reply = new Promise<HostReply | { kind: "crashed"; message: string }>((resolve) => {
      this.#pending.set(id, resolve);
      this.#progress.set(id, (f) => ctx.progress(f));
    });
    const buffers = [image.data.buffer].filter((b) => b instanceof ArrayBuffer) as ArrayBuffer[];
    const request: HostRequest = { kind: "run", id, name, image, params: params as never };
    worker.postMessage(request, buffers);
    const signal = ctx.signal;
    const onAbort = () => this.stop("stopped");
    signal?.addEventListener("abort", onAbort, { once: true });
    let m;
    try {
      m = await reply;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    if (signal?.aborted) throw signal.reason;
    switch (m.kind) {
      case "done":
        return { image: m.image as Image | undefined, data: m.data };
      case "failed": {
        // The worker's registry already named the filter: add the module to that.
        const named = `filter ${JSON.stringify(name)}`;
        const message = m.message.startsWith(named)
          ? label + m.message.slice(named.length)
          : `${label}: ${m.message}`;
        throw new FilterError((m.code ?? "INVALID_PARAM") as never, message);
      }
      case "never":
        this.stop();
        throw new FilterError(
          "INVALID_PARAM",
          `${label}: apply returned a promise that can never settle (it waits for nothing that is left); it must resolve or reject`,
        );
      case "crashed":
        throw new FilterError("INVALID_PARAM", `${label} crashed: ${m.message}`);
      default:
        throw new FilterError("INVALID_PARAM", `${label}: unexpected reply ${m.kind}`);
    }
  }
}

/** The hosts started by this process, by module and grants, so a module loads once. */
const hosts = new Map<string, { host: Host; plugins: AnyPlugin[] }>();

/** The stand-in the CLI registers for a plugin that runs in `host`. */
function standIn(host: Host, d: PluginDescriptor): AnyPlugin {
  return {
    [PLUGIN_BRAND]: true,
    apiVersion: 1,
    name: d.name,
    summary: d.summary,
    params: d.params,
    linear: d.linear,
    shape: d.shape,
    example: d.example,
    cost: d.cost,
    apply: (image: Image, params: unknown, ctx: FilterContext) =>
      host.run(d.name, image, params, ctx),
  };
}

/**
 * Loads a plugin module in a sandbox and registers its plugins' stand-ins;
 * returns their names. The same module with the same grants loads once per
 * process (its stand-ins are registered again, a no-op).
 */
export async function loadSandboxed(
  registry: Registry,
  url: string,
  spec: string,
  options: SandboxOptions = {},
): Promise<string[]> {
  const grants = options.grants ?? {};
  const key = JSON.stringify([url, grants]);
  let entry = hosts.get(key);
  if (!entry) {
    const host = new Host(url, spec, grants);
    const described = await host.load();
    entry = { host, plugins: described.map((d) => standIn(host, d)) };
    hosts.set(key, entry);
  }
  for (const p of entry.plugins) {
    try {
      registry.register(p, { replace: options.replace });
    } catch (e) {
      if (e instanceof FilterError && e.code === "DUPLICATE_FILTER") {
        throw new FilterError(
          "DUPLICATE_FILTER",
          `plugin module ${spec} exports a filter named ${
            JSON.stringify(p.name)
          }, which is already registered (a built-in or another module's); rename it, or pass --replace to let it take the name`,
        );
      }
      throw e;
    }
  }
  return entry.plugins.map((p) => p.name);
}

/**
 * Terminates every sandbox worker (they start again, and reload their
 * module, if a stand-in runs later). The CLI calls it when a command ends.
 */
export function stopSandboxes(): void {
  for (const { host } of hosts.values()) host.stop();
}
