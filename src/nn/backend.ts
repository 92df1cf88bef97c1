/**
 * Backend selection for rlbook's networks.
 *
 *   await backend("auto")      // tensorflow (tfjs-node-gpu / tfjs-node) > webgpu (real GPU) > wasm
 *   await backend("wasm")      // XNNPACK + SIMD, one thread: the default on a CPU
 *   await backend("webgpu")    // Dawn through the npm package `webgpu` (Vulkan)
 *   await backend("tensorflow")// libtensorflow through @tensorflow/tfjs-node(-gpu), if installed
 *   await backend("cpu")       // plain JavaScript, slowest, always there
 *   activeBackend()            // -> {name: "wasm", requested: "auto", tried: [...]}
 *
 * `@tensorflow/tfjs-node` and `@tensorflow/tfjs-node-gpu` are optional: they are not
 * dependencies of rlbook (their install downloads libtensorflow) and are loaded with a dynamic
 * import only when present. They are untested by CI.
 *
 * WebGPU in Node: the `webgpu` package (Dawn) must be put on `globalThis.navigator.gpu` before
 * `@tensorflow/tfjs-backend-webgpu` is imported (it registers itself only when navigator.gpu
 * exists at import time). `auto` accepts a WebGPU adapter only when it is a real GPU (not a
 * fallback / software adapter such as lavapipe or SwiftShader); asking for "webgpu" explicitly
 * accepts a software adapter too (a correctness check of the GPU code path, slow: it says so once,
 * and {@link BackendInfo.software} is true). Neither loads Dawn without the
 * Vulkan loader, and `auto` asks a child process for the adapter first, so that Dawn's native
 * "Couldn't load Vulkan" warnings never reach the terminal or a cell. Dawn keeps Node's event loop
 * alive: call {@link releaseBackend} (or `process.exit`) when done with a WebGPU backend.
 */
import { tf } from "./tf.js";
import { missingVulkanLoader, probeWebgpuAdapter } from "./webgpu-probe.js";

/** A backend name accepted by {@link backend}. */
export type BackendName = "auto" | "wasm" | "webgpu" | "tensorflow" | "cpu";

/** The backends {@link backend} accepts, in the order `auto` tries the concrete ones. */
export const BACKEND_NAMES: readonly BackendName[] = ["auto", "tensorflow", "webgpu", "wasm", "cpu"];

/** One attempt made while choosing a backend. */
export interface BackendAttempt {
  name: Exclude<BackendName, "auto">;
  ok: boolean;
  /** Why it was not used (missing package, no adapter, init failure), when ok is false. */
  reason?: string;
}

/** What {@link activeBackend} reports. */
export interface BackendInfo {
  /** The tfjs backend in use ("wasm", "webgpu", "tensorflow", "cpu"). */
  name: string;
  /** What was asked for. */
  requested: BackendName;
  /** Every backend tried, in order, with the reason each failed one was skipped. */
  tried: BackendAttempt[];
  /** For webgpu: the adapter's description (vendor, architecture, device). */
  adapter?: string;
  /** For webgpu: true when the adapter is a software / fallback one (lavapipe, SwiftShader): correct but slow. */
  software?: boolean;
}

/** A backend that could not be started: names it, says why, and what `auto` chose instead. */
export class BackendError extends Error {
  constructor(
    readonly backendName: string,
    readonly reason: string,
    readonly fallback?: string,
  ) {
    super(
      `backend "${backendName}" is not available: ${reason}` +
        (fallback ? `; backend("auto") would choose "${fallback}" instead` : ""),
    );
    this.name = "BackendError";
  }
}

let info: BackendInfo | undefined;
let webgpuAdapterDesc: string | undefined;
let softwareWarned = false;

/** What {@link backend}("webgpu") says (once per process) when the adapter is a software one. */
export const SOFTWARE_WEBGPU_WARNING =
  "rlbook: the WebGPU adapter is a software renderer (%s), not a GPU: webgpu runs here as a correctness check of the GPU code path, " +
  "many times slower than wasm; for speed use backend(\"wasm\") (or backend(\"auto\"), which picks webgpu only on a real GPU)";

function describeError(e: unknown): string {
  if (e instanceof Error) return e.message.split("\n")[0];
  return String(e);
}

function isModuleMissing(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}

async function setAndCheck(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend("${name}") returned false (the backend failed to initialize)`);
  await tf.ready();
  // A tiny computation proves the backend works end to end.
  const y = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.scalar(1)));
  const v = await y.data();
  y.dispose();
  if (v[0] !== 2 || v[1] !== 3) throw new Error(`backend "${name}" computed 1+[1,2] = [${v[0]},${v[1]}]`);
}

async function tryWasm(): Promise<void> {
  if (!tf.findBackendFactory("wasm")) await import("@tensorflow/tfjs-backend-wasm");
  await setAndCheck("wasm");
}

async function tryCpu(): Promise<void> {
  await setAndCheck("cpu");
}

async function tryTensorflow(): Promise<void> {
  if (!tf.findBackendFactory("tensorflow")) {
    const errors: string[] = [];
    for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
      try {
        await import(pkg);
        break;
      } catch (e) {
        errors.push(isModuleMissing(e) ? `${pkg} is not installed` : `${pkg} failed to load: ${describeError(e)}`);
      }
    }
    if (!tf.findBackendFactory("tensorflow")) {
      throw new Error(
        errors.length ? errors.join("; ") : "tfjs-node loaded but registered no 'tensorflow' backend with this copy of tfjs (version mismatch?)",
      );
    }
  }
  await setAndCheck("tensorflow");
}

const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader|software|microsoft basic render/i;

async function tryWebgpu(requireRealGpu: boolean): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  let installedNavigator = false;
  if (!tf.findBackendFactory("webgpu")) {
    const nav = g.navigator as { gpu?: unknown } | undefined;
    if (!nav?.gpu) {
      // Dawn prints native warnings when it finds no Vulkan: check first, and for auto ask a child
      // process (webgpu-probe.ts), so that nothing reaches the terminal or the cell.
      const noLoader = missingVulkanLoader();
      if (noLoader) throw new Error(noLoader);
      if (requireRealGpu) {
        const probe = await probeWebgpuAdapter();
        if (!probe.found) throw new Error(probe.reason);
        if (probe.fallback || SOFTWARE_ADAPTER.test(probe.description)) {
          throw new Error(`the only WebGPU adapter is a software/fallback one (${probe.description}), not a real GPU`);
        }
      }
      let mod: { create: (opts: string[]) => unknown; globals: Record<string, unknown> };
      try {
        mod = (await import("webgpu")) as unknown as typeof mod;
      } catch (e) {
        throw new Error(isModuleMissing(e) ? "the npm package `webgpu` is not installed" : `the npm package \`webgpu\` failed to load: ${describeError(e)}`);
      }
      Object.assign(globalThis, mod.globals);
      const gpu = mod.create(["backend=vulkan"]);
      // Node 21+ has a read-only navigator getter: define the property rather than assign.
      Object.defineProperty(globalThis, "navigator", { value: { gpu }, configurable: true, writable: true });
      installedNavigator = true;
    }
  }
  const gpu = (g.navigator as { gpu?: { requestAdapter(o?: unknown): Promise<unknown> } } | undefined)?.gpu;
  const cleanup = () => {
    if (installedNavigator) delete g.navigator;
  };
  if (!gpu) {
    cleanup();
    throw new Error("navigator.gpu is missing");
  }
  let adapter: { isFallbackAdapter?: boolean; info?: Record<string, string> } | null;
  try {
    adapter = (await gpu.requestAdapter({ powerPreference: "high-performance" })) as typeof adapter;
  } catch (e) {
    cleanup();
    throw new Error(`requestAdapter() failed: ${describeError(e)}`);
  }
  if (!adapter) {
    cleanup();
    throw new Error("no WebGPU adapter found (is libvulkan1 installed, with a Vulkan driver for a GPU?)");
  }
  const ai = adapter.info ?? {};
  const desc = [ai.vendor, ai.architecture, ai.device, ai.description].filter((s) => s).join(" ") || "unknown adapter";
  const fallback = adapter.isFallbackAdapter === true || (ai as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const software = fallback || SOFTWARE_ADAPTER.test(desc);
  if (requireRealGpu && software) {
    cleanup();
    throw new Error(`the only WebGPU adapter is a software/fallback one (${desc}), not a real GPU`);
  }
  try {
    if (!tf.findBackendFactory("webgpu")) await import("@tensorflow/tfjs-backend-webgpu");
    await setAndCheck("webgpu");
  } catch (e) {
    cleanup();
    throw e;
  }
  webgpuAdapterDesc = desc;
  webgpuSoftware = software;
  if (software && !softwareWarned) {
    softwareWarned = true;
    console.warn(SOFTWARE_WEBGPU_WARNING.replace("%s", desc));
  }
}

let webgpuSoftware = false;

async function tryOne(name: Exclude<BackendName, "auto">, forAuto: boolean): Promise<void> {
  switch (name) {
    case "wasm":
      return tryWasm();
    case "cpu":
      return tryCpu();
    case "tensorflow":
      return tryTensorflow();
    case "webgpu":
      return tryWebgpu(forAuto);
  }
}

/**
 * Selects the tfjs backend for every network rlbook builds and returns what is active.
 * A concrete name that cannot start throws a {@link BackendError} naming the backend, the
 * reason, and what `auto` would have chosen instead.
 */
export async function backend(name: BackendName = "auto"): Promise<BackendInfo> {
  if (!BACKEND_NAMES.includes(name)) {
    throw new BackendError(String(name), `unknown backend; accepted values: ${BACKEND_NAMES.map((n) => `"${n}"`).join(", ")}`);
  }
  const tried: BackendAttempt[] = [];
  if (name !== "auto") {
    try {
      await tryOne(name, false);
      tried.push({ name, ok: true });
    } catch (e) {
      const reason = describeError(e);
      tried.push({ name, ok: false, reason });
      // Find what auto would choose, and leave that active so the session keeps working.
      let fallback: string | undefined;
      for (const alt of ["wasm", "cpu"] as const) {
        if (alt === name) continue;
        try {
          await tryOne(alt, true);
          fallback = alt;
          break;
        } catch {
          /* try the next */
        }
      }
      info = { name: tf.getBackend(), requested: name, tried };
      throw new BackendError(name, reason, fallback);
    }
  } else {
    for (const cand of ["tensorflow", "webgpu", "wasm", "cpu"] as const) {
      try {
        await tryOne(cand, true);
        tried.push({ name: cand, ok: true });
        break;
      } catch (e) {
        tried.push({ name: cand, ok: false, reason: describeError(e) });
      }
    }
    if (!tried.some((t) => t.ok)) {
      throw new BackendError("auto", tried.map((t) => `${t.name}: ${t.reason}`).join("; "));
    }
  }
  info = { name: tf.getBackend(), requested: name, tried };
  if (info.name === "webgpu") {
    info.adapter = webgpuAdapterDesc;
    info.software = webgpuSoftware;
  }
  return info;
}

/** The active backend and how it was chosen (undefined before the first {@link backend} call). */
export function activeBackend(): BackendInfo {
  return info ?? { name: tf.getBackend(), requested: "auto", tried: [] };
}

/** Sets the default backend (`wasm` on a CPU) once, unless the user already chose one. */
export async function ensureBackend(): Promise<BackendInfo> {
  if (info) return info;
  return backend("auto");
}

/**
 * Releases GPU resources held by the webgpu backend and removes the `navigator` rlbook put on
 * globalThis, so Node can exit; the active backend becomes wasm. No-op for other backends.
 */
export async function releaseBackend(): Promise<void> {
  if (tf.getBackend() === "webgpu") {
    await backend("wasm");
    tf.removeBackend("webgpu");
  }
  const g = globalThis as Record<string, unknown>;
  if (webgpuAdapterDesc !== undefined && g.navigator) delete g.navigator;
  webgpuAdapterDesc = undefined;
}
