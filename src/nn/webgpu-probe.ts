/**
 * Looks for a WebGPU adapter without letting Dawn's native warnings reach the terminal or a
 * notebook cell. Dawn (the npm package `webgpu`) writes straight to file descriptor 2 when it
 * cannot load Vulkan (`Warning: Couldn't load Vulkan: libvulkan.so.1 ...`), which no JavaScript
 * can silence once `dawn.node` is loaded in this process. So `backend("auto")` first checks that
 * the Vulkan loader exists, then asks a child Node process (whose stderr is captured) for the
 * adapter, and loads Dawn here only when that child found one.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/** What the child found. */
export type WebgpuProbe = { found: true; description: string; fallback: boolean } | { found: false; reason: string };

/**
 * Why the Vulkan loader (`libvulkan.so.1`) cannot be loaded, or undefined when it can be found
 * (or on a platform other than Linux, where Dawn uses other loaders).
 */
export function missingVulkanLoader(): string | undefined {
  if (process.platform !== "linux") return undefined;
  const triplet = process.arch === "arm64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? "").split(":").filter((d) => d !== ""),
    `/usr/lib/${triplet}`,
    `/lib/${triplet}`,
    "/usr/lib64",
    "/lib64",
    "/usr/lib",
    "/lib",
    "/usr/local/lib",
  ];
  if (dirs.some((d) => existsSync(path.join(d, "libvulkan.so.1")))) return undefined;
  try {
    // The dynamic loader's cache lists every library ldconfig knows, by file name.
    if (readFileSync("/etc/ld.so.cache").includes("libvulkan.so.1")) return undefined;
  } catch {
    /* no cache: rely on the directories above */
  }
  return "libvulkan.so.1 (the Vulkan loader) is not installed: install libvulkan1 and a Vulkan driver for the GPU";
}

// Runs in the child: loads Dawn, asks for an adapter, prints what it found as one JSON line.
const CHILD_SCRIPT = `
const { create, globals } = await import(process.env.RLBOOK_WEBGPU_URL);
Object.assign(globalThis, globals);
const gpu = create(["backend=vulkan"]);
const a = await gpu.requestAdapter({ powerPreference: "high-performance" });
const info = (a && a.info) || {};
const description = [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(" ") || "unknown adapter";
process.stdout.write(JSON.stringify(a ? { found: true, description, fallback: a.isFallbackAdapter === true || info.isFallbackAdapter === true } : { found: false }) + "\\n");
process.exit(0);
`;

/** Asks a child Node process whether the npm package `webgpu` finds an adapter (its stderr is kept out of ours). */
export function probeWebgpuAdapter(timeoutMs = 30_000): Promise<WebgpuProbe> {
  let url: string;
  try {
    url = import.meta.resolve("webgpu");
  } catch {
    return Promise.resolve({ found: false, reason: "the npm package `webgpu` is not installed" });
  }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--input-type=module", "-e", CHILD_SCRIPT],
      { env: { ...process.env, RLBOOK_WEBGPU_URL: url }, timeout: timeoutMs, windowsHide: true },
      (err, stdout, stderr) => {
        const line = stdout.trim().split("\n").pop() ?? "";
        try {
          const r = JSON.parse(line) as { found: boolean; description?: string; fallback?: boolean };
          if (r.found) return resolve({ found: true, description: r.description ?? "unknown adapter", fallback: r.fallback === true });
          return resolve({ found: false, reason: "no WebGPU adapter found (is there a Vulkan driver for a GPU?)" });
        } catch {
          const why = (stderr.trim().split("\n")[0] || (err ? err.message.split("\n")[0] : "")).slice(0, 300);
          resolve({ found: false, reason: `the WebGPU probe found no adapter${why ? `: ${why}` : ""}` });
        }
      },
    );
  });
}
