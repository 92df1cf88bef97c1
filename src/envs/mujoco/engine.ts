/**
 * The MuJoCo engine: the official MuJoCo WebAssembly module (npm `mujoco-js`), loaded once per
 * process and shared by every MuJoCo env, and MJCF compilation with readable errors.
 *
 * Loading is asynchronous (the wasm module is fetched and compiled, about 0.5 s) while `make()` is
 * synchronous, so a program calls `await loadMujoco()` once before building MuJoCo envs:
 *
 *   await loadMujoco();
 *   const env = make("HalfCheetah-v5");
 *
 * Building a MuJoCo env before that throws an error that names `await loadMujoco()`.
 *
 * Errors: mujoco-js throws a bare C++ exception object (`CppException [mjXError]`) with no text for
 * a bad MJCF; {@link compileModel} reads MuJoCo's own message out of the exception and names the
 * file (or the model string) and the line, e.g.
 * `MuJoCo could not compile the MJCF file robot.xml: XML Error: invalid keyword: 'bogus' (Element 'geom', line 3)`.
 */
import { readFileSync } from "node:fs";
import type { MainModule, MjModel } from "mujoco-js";

let modulePromise: Promise<MainModule> | undefined;
let loaded: MainModule | undefined;
/** A tiny compiled model kept alive: its arrays are views of the wasm heap, the only handle on it. */
let heapProbe: MjModel | undefined;
/** Lines MuJoCo printed to stderr (XML parse errors are printed, not thrown). */
const printed: string[] = [];
let fileCounter = 0;
const WORKDIR = "/rlbook";

/**
 * Loads the MuJoCo WebAssembly module (once per process; later calls return the same module).
 * Call `await loadMujoco()` before `make("HalfCheetah-v5")` or any other MuJoCo env.
 */
export function loadMujoco(): Promise<MainModule> {
  if (!modulePromise) {
    modulePromise = (async () => {
      const factory = (await import("mujoco-js")).default;
      const mj = await factory({ printErr: (s: string) => record(s), print: (s: string) => record(s) });
      const fs = (mj as unknown as { FS: EmscriptenFS }).FS;
      fs.mkdir(WORKDIR);
      fs.mount((mj as unknown as { MEMFS: unknown }).MEMFS, { root: "." }, WORKDIR);
      loaded = mj;
      heapProbe = compileModel("<mujoco/>", { name: "heap probe" });
      return mj;
    })();
    modulePromise.catch(() => {
      modulePromise = undefined;
    });
  }
  return modulePromise;
}

function record(s: string): void {
  printed.push(s);
  if (printed.length > 50) printed.splice(0, printed.length - 50);
}

interface EmscriptenFS {
  mkdir(path: string): void;
  mount(type: unknown, opts: unknown, path: string): void;
  writeFile(path: string, data: string): void;
  unlink(path: string): void;
}

/** True once `loadMujoco()` has finished. */
export function mujocoLoaded(): boolean {
  return loaded !== undefined;
}

/** The loaded module; throws an error naming `await loadMujoco()` when it is not loaded yet. */
export function mujoco(what = "MuJoCo envs"): MainModule {
  if (!loaded) {
    throw new Error(`${what}: the MuJoCo WebAssembly module is not loaded yet; run \`await loadMujoco()\` once (e.g. at the top of the notebook or program) before building MuJoCo envs`);
  }
  return loaded;
}

/** Where an MJCF comes from, for error messages. */
export interface ModelSource {
  /** The file the MJCF was read from. */
  file?: string;
  /** A name for an MJCF string (e.g. the env id). */
  name?: string;
}

function describe(src: ModelSource): string {
  if (src.file) return `the MJCF file ${src.file}`;
  return src.name ? `the MJCF model "${src.name}"` : "the MJCF string";
}

/** MuJoCo's message inside a C++ exception thrown by the wasm module (mjXError/mjCError hold a char[1000]). */
function cppExceptionText(e: unknown): string | undefined {
  const ptr = (e as { excPtr?: unknown } | null)?.excPtr;
  if (typeof ptr !== "number" || !heapProbe) return undefined;
  const heap = new Uint8Array((heapProbe.body_mass as Float64Array).buffer);
  let end = ptr;
  while (end < ptr + 1000 && end < heap.length && heap[end] !== 0) end++;
  return new TextDecoder().decode(heap.subarray(ptr, end)).trim();
}

/** Compiles an MJCF document (a string) into an MjModel; errors carry MuJoCo's text, the source and the line. */
export function compileModel(xml: string, source: ModelSource = {}): MjModel {
  const mj = mujoco(`Compiling ${describe(source)}`);
  if (typeof xml !== "string" || !xml.trim().startsWith("<")) {
    throw new TypeError(`MuJoCo: ${describe(source)} is not MJCF XML (expected a string starting with "<mujoco", got ${typeof xml === "string" ? JSON.stringify(xml.slice(0, 40)) : typeof xml})`);
  }
  const fs = (mj as unknown as { FS: EmscriptenFS }).FS;
  const path = `${WORKDIR}/model${fileCounter++}.xml`;
  fs.writeFile(path, xml);
  printed.length = 0;
  let model: MjModel | null | undefined;
  try {
    model = mj.MjModel.loadFromXML(path);
  } catch (e) {
    const text = cppExceptionText(e) ?? (e instanceof Error ? e.message : String(e));
    const kind = (e as { name?: string }).name ?? "error";
    const [head, ...where] = text.split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
    throw new Error(`MuJoCo could not compile ${describe(source)} (${kind}): ${head}${where.length ? ` (${where.join("; ")})` : ""}. Fix that element of the MJCF.`);
  } finally {
    fs.unlink(path);
  }
  if (!model) {
    const said = printed.join(" ").replace(/\s+/g, " ").trim();
    throw new Error(`MuJoCo could not parse ${describe(source)}: ${said || "the XML is malformed"}. Fix the XML at that line.`);
  }
  return model;
}

/** Reads an MJCF file (Node) and compiles it; errors name the file. */
export function loadModelFile(file: string): MjModel {
  let xml: string;
  try {
    xml = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`MuJoCo: cannot read the MJCF file ${file}: ${(e as Error).message}`);
  }
  return compileModel(xml, { file });
}
