/** The connection file a Jupyter front end writes for a kernel it starts. */
import { readFileSync } from "node:fs";

export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
}

export type Channel = "shell" | "iopub" | "stdin" | "control" | "hb";

/** Reads and validates a connection file; the error names the file and the bad field. */
export function readConnectionFile(path: string): ConnectionInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read connection file ${path}: ${(error as Error).message}`);
  }
  const info = raw as Partial<ConnectionInfo>;
  const transport = info.transport ?? "tcp";
  if (transport !== "tcp" && transport !== "ipc") throw new Error(`${path}: transport must be "tcp" or "ipc", got ${JSON.stringify(transport)}`);
  if (typeof info.ip !== "string" || !info.ip) throw new Error(`${path}: "ip" must be a non-empty string`);
  for (const channel of ["shell", "iopub", "stdin", "control", "hb"] as const) {
    const port = info[`${channel}_port`];
    if (!Number.isInteger(port) || port! < 0 || port! > 65535) throw new Error(`${path}: "${channel}_port" must be a port number, got ${JSON.stringify(port)}`);
  }
  return {
    transport,
    ip: info.ip,
    shell_port: info.shell_port!,
    iopub_port: info.iopub_port!,
    stdin_port: info.stdin_port!,
    control_port: info.control_port!,
    hb_port: info.hb_port!,
    key: typeof info.key === "string" ? info.key : "",
    signature_scheme: info.signature_scheme ?? "hmac-sha256",
  };
}

/** The address to bind a channel to: exactly what the connection file says. */
export function endpoint(info: ConnectionInfo, channel: Channel): string {
  const port = info[`${channel}_port`];
  return info.transport === "ipc" ? `ipc://${info.ip}-${port}` : `tcp://${info.ip.includes(":") ? `[${info.ip}]` : info.ip}:${port}`;
}
