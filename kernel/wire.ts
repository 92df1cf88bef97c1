/**
 * The Jupyter wire format (messaging protocol 5.3): frames, HMAC-SHA256 signatures, headers.
 *
 * A message on the wire is
 *   [zmq identities..., "<IDS|MSG>", signature, header, parent_header, metadata, content, buffers...]
 * where the signature is the hex HMAC of the four JSON frames. Signatures are compared in
 * constant time; a message with a bad or missing signature is rejected, never half-parsed.
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

export const PROTOCOL_VERSION = "5.3";
const DELIMITER = "<IDS|MSG>";

export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
  [key: string]: unknown;
}

/** A decoded Jupyter message. `identities` route replies on ROUTER sockets. */
export interface Message<C = Record<string, unknown>> {
  identities: Buffer[];
  header: Header;
  parent_header: Header | Record<string, never>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

/** Why a received frame list was rejected. */
export class WireError extends Error {
  override name = "WireError";
}

export class Signer {
  readonly #key: Buffer;
  readonly #scheme: string;

  constructor(key: string, scheme = "hmac-sha256") {
    const match = /^hmac-(sha\d+)$/.exec(scheme);
    if (!match) throw new WireError(`unsupported signature_scheme "${scheme}"; expected hmac-sha256`);
    this.#key = Buffer.from(key, "utf8");
    this.#scheme = match[1]!;
  }

  /** True when messages are signed (an empty key disables signing, as the spec allows). */
  get enabled(): boolean {
    return this.#key.length > 0;
  }

  sign(frames: readonly Buffer[]): string {
    if (!this.enabled) return "";
    const hmac = createHmac(this.#scheme, this.#key);
    for (const frame of frames) hmac.update(frame);
    return hmac.digest("hex");
  }

  /** Constant-time check of a received hex signature against the four JSON frames. */
  verify(signature: Buffer, frames: readonly Buffer[]): boolean {
    if (!this.enabled) return true;
    const expected = Buffer.from(this.sign(frames), "utf8");
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
}

/** Splits, verifies and parses a received frame list. Throws WireError on anything malformed. */
export function decode(frames: readonly Buffer[], signer: Signer): Message {
  const split = frames.findIndex((f) => f.length === DELIMITER.length && f.toString("latin1") === DELIMITER);
  if (split < 0) throw new WireError("no <IDS|MSG> delimiter");
  if (frames.length < split + 6) throw new WireError(`expected 5 frames after the delimiter, got ${frames.length - split - 1}`);
  const signature = frames[split + 1]!;
  const parts = frames.slice(split + 2, split + 6);
  if (!signer.verify(signature, parts)) throw new WireError(signature.length ? "bad signature" : "missing signature");
  const [header, parent, metadata, content] = parts.map((p, i) => parseObject(p, ["header", "parent_header", "metadata", "content"][i]!));
  for (const field of ["msg_id", "msg_type"] as const) {
    if (typeof header![field] !== "string") throw new WireError(`header.${field} is missing or not a string`);
  }
  return {
    identities: frames.slice(0, split),
    header: header as Header,
    parent_header: parent as Header,
    metadata: metadata!,
    content: content!,
    buffers: frames.slice(split + 6),
  };
}

function parseObject(frame: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(frame.toString("utf8"));
  } catch {
    throw new WireError(`${what} is not valid JSON`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new WireError(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** What a sender gives to build a message. */
export interface Outgoing {
  msgType: string;
  content: unknown;
  parent?: Header | Record<string, never>;
  metadata?: Record<string, unknown>;
  identities?: readonly Buffer[];
  buffers?: readonly (Buffer | ArrayBufferView)[];
}

export function makeHeader(msgType: string, session: string, username = "rlbook"): Header {
  return { msg_id: randomUUID(), session, username, date: new Date().toISOString(), msg_type: msgType, version: PROTOCOL_VERSION };
}

/** Serializes and signs a message into frames ready for a zmq socket. */
export function encode(message: Outgoing, signer: Signer, session: string): Buffer[] {
  const header = makeHeader(message.msgType, session);
  const parts = [header, message.parent ?? {}, message.metadata ?? {}, message.content ?? {}].map((p) =>
    Buffer.from(JSON.stringify(p), "utf8"),
  );
  const buffers = (message.buffers ?? []).map((b) => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
  return [...(message.identities ?? []), Buffer.from(DELIMITER), Buffer.from(signer.sign(parts)), ...parts, ...buffers];
}
