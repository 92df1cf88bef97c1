// The front end of the real-browser widget test, bundled by esbuild (browser.test.ts): a
// widget manager on @jupyter-widgets/html-manager talking to an rlbook kernel through
// Jupyter Server with @jupyterlab/services, as JupyterLab's widget manager does.
import { KernelManager, ServerConnection } from "@jupyterlab/services";
import { HTMLManager } from "@jupyter-widgets/html-manager";
import { shims } from "@jupyter-widgets/base";

const WIDGET_MIME = "application/vnd.jupyter.widget-view+json";

class KernelWidgetManager extends HTMLManager {
  constructor(kernel) {
    super();
    this.kernel = kernel;
    kernel.registerCommTarget("jupyter.widget", async (comm, msg) => {
      await this.handle_comm_open(new shims.services.Comm(comm), msg);
    });
  }

  async _create_comm(targetName, modelId, data, metadata, buffers) {
    const comm = this.kernel.createComm(targetName, modelId);
    if (data || metadata) comm.open(data, metadata, buffers);
    return new shims.services.Comm(comm);
  }

  async _get_comm_info() {
    const reply = await this.kernel.requestCommInfo({ target_name: "jupyter.widget" });
    return reply.content.status === "ok" ? reply.content.comms : {};
  }

  loadFromKernel() {
    return this._loadFromKernel();
  }
}

const state = { kernel: undefined, manager: undefined, cells: 0, received: [], errors: [] };
window.addEventListener("error", (e) => state.errors.push(String(e.message)));
window.addEventListener("unhandledrejection", (e) => state.errors.push(String(e.reason)));

async function showView(modelId, container) {
  const model = await state.manager.get_model(modelId);
  const view = await state.manager.create_view(model);
  await state.manager.display_view(view, container);
}

window.rl = {
  state,
  /** Starts a kernel (or connects to `kernelId`) and a widget manager for it. */
  async connect(token, kernelId) {
    const serverSettings = ServerConnection.makeSettings({ baseUrl: location.origin + "/", wsUrl: location.origin.replace(/^http/, "ws") + "/", token });
    const kernels = new KernelManager({ serverSettings });
    await kernels.ready;
    const kernel = kernelId ? kernels.connectTo({ model: { id: kernelId, name: "rlbook" } }) : await kernels.startNew({ name: "rlbook" });
    kernel.anyMessage.connect((_, { msg, direction }) => {
      if (direction === "recv" && msg.header.msg_type === "comm_msg") state.received.push({ method: msg.content.data.method, comm_id: msg.content.comm_id, t: performance.now() });
    });
    state.kernel = kernel;
    state.manager = new KernelWidgetManager(kernel);
    await kernel.info;
    return kernel.id;
  },
  /** Re-attaches to the widgets that live in the kernel (comm_info + request_states). */
  async restore() {
    await state.manager.loadFromKernel();
    return Object.keys(await state.manager._get_comm_info()).length;
  },
  /** Executes a cell; widget views it shows render into a new cell element. Resolves with the reply and outputs. */
  async execute(code) {
    const cell = document.createElement("div");
    cell.className = "cell";
    cell.id = `cell-${++state.cells}`;
    document.body.appendChild(cell);
    const outputs = [];
    const views = [];
    const future = state.kernel.requestExecute({ code, stop_on_error: true, allow_stdin: false });
    future.onIOPub = (msg) => {
      const type = msg.header.msg_type;
      if (type === "status" || type === "execute_input" || type.startsWith("comm_")) return;
      outputs.push({ type, content: msg.content });
      const data = msg.content.data;
      if (data && data[WIDGET_MIME]) {
        const container = document.createElement("div");
        container.className = "widget-area";
        cell.appendChild(container);
        views.push(showView(data[WIDGET_MIME].model_id, container));
      } else if (type === "stream" || type === "error") {
        const pre = document.createElement("pre");
        pre.className = `text-${type}`;
        pre.textContent = type === "stream" ? msg.content.text : `${msg.content.ename}: ${msg.content.evalue}`;
        cell.appendChild(pre);
      }
    };
    const reply = await future.done;
    await Promise.all(views);
    return { status: reply.content.status, evalue: reply.content.evalue, cell: cell.id, outputs };
  },
  /** Starts executing without waiting (a cell that runs until a Stop button is clicked). */
  start(code) {
    const run = this.execute(code);
    state.pending = run;
    return true;
  },
  async pending() {
    return state.pending;
  },
  /** Sets a model attribute from the page as a view would, and times the kernel's answer on `answerId`. */
  async roundTrip(modelId, name, value, answerId) {
    const model = await state.manager.get_model(modelId);
    const before = state.received.length;
    const t0 = performance.now();
    model.set(name, value);
    model.save_changes();
    for (;;) {
      const answer = state.received.slice(before).find((m) => m.comm_id === answerId && m.method === "update");
      if (answer) return answer.t - t0;
      if (performance.now() - t0 > 10000) throw new Error("no answer within 10 s");
      await new Promise((r) => setTimeout(r, 0));
    }
  },
  /** Shows a view of a model the manager knows (after restore) in a new element. */
  async show(modelId) {
    const container = document.createElement("div");
    container.className = "widget-area restored";
    document.body.appendChild(container);
    await showView(modelId, container);
    return true;
  },
  /** Sets a model attribute as a view would (sends an update to the kernel). */
  async setModel(modelId, name, value) {
    const model = await state.manager.get_model(modelId);
    model.set(name, value);
    model.save_changes();
    return true;
  },
  async modelValue(modelId, name) {
    const model = await state.manager.get_model(modelId);
    return model.get(name);
  },
  async shutdown() {
    await state.kernel?.shutdown();
  },
};
