/// <reference no-default-lib="true" />
/// <reference lib="esnext" />
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The "copy as CLI command" and "copy as code" panel: what the commands are
 * run on (a sample's path in a checkout, the plugins' sources), the files a
 * crop must be saved to first, and the copy buttons.
 *
 * @module
 */

import {
  encodeImage,
  type Image,
  type ImageFormat,
  imageFormats,
  type ParamSpec,
  registry,
} from "../mod.ts";
import { cliCommand, codeSnippet, type CommandContext } from "./commands.ts";
import { h } from "./dom.ts";
import type { Images } from "./images.ts";
import type { LoadedPlugin } from "./plugins.ts";
import { parseCrop, type State } from "./state.ts";

/** The example plugins the build compiled: served file → source in a checkout. */
let examples: { file: string; source: string }[] = [];

/** Reads `plugins/index.json` (written by the build); none is fine. */
export async function loadExampleIndex(): Promise<void> {
  try {
    const r = await fetch(new URL("plugins/index.json", location.href));
    if (r.ok) examples = await r.json();
  } catch { /* no examples: plugin URLs are used as they are */ }
}

/** The writable formats that hold a float image as it is (probed through the library). */
let floatFormats = new Set<string>(["npy"]);
Promise.all(
  imageFormats().filter((f) => f.write).map((f) =>
    encodeImage({ width: 1, height: 1, channels: 1, data: new Float32Array(1) } as Image, f.format)
      .then(() => f.format, () => undefined)
  ),
).then((list) => (floatFormats = new Set(list.filter((f) => f !== undefined))));

function base(ref: string): string {
  const name = ref.replace(/^file:/, "").split(/[/?#]/).filter(Boolean).at(-1) ?? "input.png";
  return name.includes(".") ? name : `${name}.png`;
}

/** The command context of a state, for the chosen download format. */
export function commandContext(
  state: State,
  format: ImageFormat,
  result: Image | undefined,
  images: Images,
  plugins: ReadonlyMap<string, LoadedPlugin>,
): CommandContext {
  const ext = imageFormats().find((f) => f.format === format)?.extensions[0] ?? ".png";
  const path = (ref: string) => images.sample(ref)?.source ?? base(ref);
  return {
    input: path(state.image),
    output: `out${ext}`,
    stretch: result?.dtype === "f32" && !floatFormats.has(format),
    plugins: state.plugins.map((url) => {
      const abs = new URL(url, location.href).href;
      const example = examples.find((e) => new URL(e.file, location.href).href === abs);
      return { spec: example?.source ?? abs, exports: plugins.get(url)?.exports ?? ["plugin"] };
    }),
    specs: (filter) =>
      registry.has(filter)
        ? registry.get(filter).params as Readonly<Record<string, ParamSpec>>
        : undefined,
    imagePath: (param, value) => parseCrop(value) ? `${param}.png` : path(value),
  };
}

async function copy(text: string, button: HTMLButtonElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "copied";
  } catch {
    button.textContent = "select and copy";
  }
  setTimeout(() => (button.textContent = button.dataset.label ?? "copy"), 1500);
}

function copyBlock(id: string, label: string, text: string | undefined): HTMLElement {
  const button = h("button", {
    type: "button",
    text: label,
    "data-label": label,
  }) as HTMLButtonElement;
  button.disabled = text === undefined;
  button.addEventListener("click", () => text !== undefined && void copy(text, button));
  return h("div", { class: "copy" }, button, h("pre", { id, text: text ?? "(add a step first)" }));
}

/** Renders the commands of a state, and the files they expect besides the input. */
export function renderCommands(
  container: HTMLElement,
  state: State,
  ctx: CommandContext,
  input: Image | undefined,
): void {
  const notes: (HTMLElement | string)[] = [];
  const crops = state.steps.flatMap((s) =>
    Object.entries(s.params).filter(([name, v]) =>
      ctx.specs(s.filter)?.[name]?.type === "image" && parseCrop(v) !== undefined
    )
  );
  for (const [name, value] of crops) {
    const c = parseCrop(value)!;
    notes.push(h("button", {
      type: "button",
      text: `save ${name}.png`,
      title: `the ${value} crop, which the command reads from ${name}.png`,
      onclick: async () => {
        if (!input) return;
        const bytes = await encodeImage(input.crop(c.x, c.y, c.width, c.height), "png");
        const a = h("a", {
          href: URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>])),
          download: `${name}.png`,
        });
        a.click();
      },
    }));
  }
  if (!ctx.input.includes("/")) {
    notes.push(`the command reads the image from ${ctx.input}`);
  }
  container.replaceChildren(
    copyBlock("cli", "copy as CLI command", cliCommand(state.steps, ctx)),
    copyBlock("code", "copy as code", codeSnippet(state.steps, ctx)),
    h("div", { class: "hint" }, ...notes.flatMap((n) => [n, " "])),
  );
}
