/**
 * Widgets in a real browser, for the browser test and the widgets benchmark: Debian's Jupyter
 * Server with the rlbook kernelspec, a page bundled with esbuild from @jupyterlab/services +
 * @jupyter-widgets/html-manager + controls (harness/widget-page.mjs), and Debian's chromium
 * under playwright-core. Development tooling (harness/ is not part of the package).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { freePorts } from "../kernel/client.js";
import { installKernelspec } from "../cli.js";

/** The repository root (this runs from dist/harness/). */
export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export const PYTHON = "/usr/bin/python3";
export const CHROMIUM = "/usr/bin/chromium";

/** Why the browser test cannot run here, or undefined when it can. */
export function missingTools(): string | undefined {
  if (!existsSync(CHROMIUM)) return "Debian's chromium is not installed (apt-get install chromium)";
  if (!existsSync(PYTHON)) return "/usr/bin/python3 is missing";
  return undefined;
}

export interface JupyterServer {
  url: string;
  token: string;
  stop(): Promise<void>;
  log(): string;
}

/** Starts Debian's Jupyter Server on 127.0.0.1 with the rlbook kernelspec installed under a temp prefix. */
export async function startJupyterServer(): Promise<JupyterServer> {
  const home = mkdtempSync(join(tmpdir(), "rlbook-jupyter-"));
  installKernelspec({ prefix: home });
  const [port] = await freePorts(1);
  const token = randomBytes(16).toString("hex");
  const root = join(home, "notebooks");
  mkdirSync(root);
  const env = {
    ...process.env,
    JUPYTER_PATH: join(home, "share", "jupyter"),
    JUPYTER_DATA_DIR: join(home, "data"),
    JUPYTER_RUNTIME_DIR: join(home, "runtime"),
    JUPYTER_CONFIG_DIR: join(home, "config"),
    JUPYTER_PLATFORM_DIRS: "1",
    IPYTHONDIR: join(home, "ipython"),
  };
  const args = [
    "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", `--port=${port}`, "--ServerApp.port_retries=0",
    `--ServerApp.token=${token}`, `--ServerApp.root_dir=${root}`, "--ServerApp.open_browser=False",
    // CI containers run as root; Jupyter refuses that unless told.
    ...(process.getuid?.() === 0 ? ["--allow-root"] : []),
  ];
  let output = "";
  const child: ChildProcess = spawn(PYTHON, args, { env, cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`jupyter server exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${url}/api/kernelspecs`, { headers: { Authorization: `token ${token}` } });
      if (response.ok) {
        const specs = (await response.json()) as { kernelspecs: Record<string, unknown> };
        if (!specs.kernelspecs.rlbook) throw new Error(`the server does not list the rlbook kernelspec: ${JSON.stringify(Object.keys(specs.kernelspecs))}`);
        break;
      }
    } catch (error) {
      if ((error as Error).message.includes("kernelspec")) throw error;
    }
    if (Date.now() > deadline) throw new Error(`jupyter server did not answer within 30 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    url,
    token,
    log: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => (child.kill("SIGKILL"), resolve()), 5000);
          child.once("exit", () => (clearTimeout(timer), resolve()));
        });
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Bundles the widget page (harness/widget-page.mjs) with esbuild: { js, css }. */
export async function bundlePage(): Promise<{ js: string; css: string }> {
  const esbuild = await import("esbuild");
  // html-manager require()s ipywidgets 7 modules and CSS for version-7 models: rlbook sends
  // only version-8 models, and the 7 CSS would break the sliders, so those imports resolve to an
  // empty module (the workaround FACTS.md records).
  const ipywidgets7 = {
    name: "ipywidgets7-as-empty-module",
    setup(build: import("esbuild").PluginBuild) {
      build.onResolve({ filter: /^@jupyter-widgets\/(controls7|base7)(\/.*)?$/ }, (a) => ({ path: a.path, namespace: "empty-module" }));
      build.onLoad({ filter: /.*/, namespace: "empty-module" }, () => ({ contents: "module.exports = {};", loader: "js" }));
    },
  };
  const result = await esbuild.build({
    entryPoints: [join(repoRoot, "harness", "widget-page.mjs")],
    absWorkingDir: repoRoot,
    bundle: true,
    format: "iife",
    platform: "browser",
    write: false,
    outdir: "/page",
    plugins: [ipywidgets7],
    banner: { js: 'var __webpack_public_path__ = "";' },
    define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
    loader: { ".woff": "dataurl", ".woff2": "dataurl", ".ttf": "dataurl", ".eot": "dataurl", ".svg": "dataurl", ".png": "dataurl", ".gif": "dataurl" },
    logLevel: "silent",
  });
  const file = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? "";
  return { js: file(".js"), css: file(".css") };
}

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
  // The page is served by request interception; Chromium 1xx would treat it as public and block its websocket to 127.0.0.1.
  "--disable-features=LocalNetworkAccessChecks,LocalNetworkAccessChecksWebSockets,BlockInsecurePrivateNetworkRequests",
];

/** Where screenshots go (gitignored). */
export function artifactsDir(): string {
  const dir = join(repoRoot, "test-artifacts", "widgets");
  mkdirSync(dir, { recursive: true });
  return dir;
}
