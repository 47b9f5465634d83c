// Runs the cross-runtime scenario in Deno from source and prints its results as JSON.
import * as lib from "../../mod.ts";
import { runScenario, SCENARIO_FILES } from "./scenario.ts";

const dir = new URL("../fixtures/io/", import.meta.url);
const files = Object.fromEntries(
  SCENARIO_FILES.map((f) => [f, Deno.readFileSync(new URL(f, dir))]),
);
console.log(JSON.stringify(await runScenario(lib, files)));
