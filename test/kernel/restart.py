"""Restart an rlbook kernel with jupyter_client's KernelManager, as JupyterLab's restart button does."""
from jupyter_client.manager import start_new_kernel


def result(kc, code):
    reply = kc.execute_interactive(code, timeout=30, output_hook=lambda msg: outputs.append(msg))
    assert reply["content"]["status"] == "ok", reply["content"]
    texts = [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"]
    outputs.clear()
    return texts[-1] if texts else None


outputs = []
km, kc = start_new_kernel(kernel_name="rlbook")
try:
    before = result(kc, "const kept = 41; kept")
    km.restart_kernel(now=False)
    kc.wait_for_ready(timeout=30)
    after = result(kc, "typeof (globalThis as any).kept")
    print(f"restarted: before={before} after={after.strip(chr(39))}")
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=False)
