/**
 * The contents of the requests the kernel answers, typed, and the one validator that reads them
 * from a message: a field of the wrong type is an error that names the request, the field, what
 * it must be and what came, which the kernel sends back as the request's error reply. Optional
 * fields take the defaults of the messaging spec (and ipykernel, where the spec leaves it open).
 */
import type { HistoryRequest } from "./history.js";

export interface ExecuteContent {
  code: string;
  silent: boolean;
  store_history: boolean;
  allow_stdin: boolean;
  stop_on_error: boolean;
}

export interface CodeAtCursorContent {
  code: string;
  /** In Unicode code points; defaults to the end of the code. */
  cursor_pos: number;
}

export interface InspectContent extends CodeAtCursorContent {
  detail_level: number;
}

export interface RequestContents {
  execute_request: ExecuteContent;
  complete_request: CodeAtCursorContent;
  inspect_request: InspectContent;
  is_complete_request: { code: string };
  history_request: HistoryRequest;
  comm_info_request: { target_name?: string };
  shutdown_request: { restart: boolean };
  input_reply: { value: string };
}

export type RequestType = keyof RequestContents;

/** A request whose content does not fit the messaging spec. */
export class BadRequestError extends Error {
  override name = "BadRequestError";
}

/** Reads the fields of one message's content, each checked against its type. */
class Fields {
  constructor(
    readonly msgType: string,
    readonly content: Record<string, unknown>,
  ) {}

  #bad(name: string, expected: string): never {
    throw new BadRequestError(`${this.msgType}: "${name}" must be ${expected}, got ${JSON.stringify(this.content[name]) ?? "undefined"}`);
  }

  #present(name: string): boolean {
    return this.content[name] !== undefined && this.content[name] !== null;
  }

  string(name: string): string;
  string(name: string, fallback: string | undefined): string | undefined;
  string(name: string, ...fallback: [string | undefined] | []): string | undefined {
    if (!this.#present(name)) return fallback.length ? fallback[0] : this.#bad(name, "a string");
    const value = this.content[name];
    return typeof value === "string" ? value : this.#bad(name, "a string");
  }

  boolean(name: string, fallback: boolean): boolean {
    if (!this.#present(name)) return fallback;
    const value = this.content[name];
    return typeof value === "boolean" ? value : this.#bad(name, "true or false");
  }

  integer(name: string, fallback: number | undefined, min = -Infinity): number | undefined {
    if (!this.#present(name)) return fallback;
    const value = this.content[name];
    return typeof value === "number" && Number.isInteger(value) && value >= min ? value : this.#bad(name, min === 0 ? "a whole number >= 0" : "a whole number");
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T {
    const value = this.content[name];
    return values.includes(value as T) ? (value as T) : this.#bad(name, `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`);
  }
}

const readers: { [T in RequestType]: (fields: Fields) => RequestContents[T] } = {
  execute_request: (f) => {
    const silent = f.boolean("silent", false);
    return {
      code: f.string("code"),
      silent,
      // The spec: silent forces store_history off.
      store_history: !silent && f.boolean("store_history", true),
      allow_stdin: f.boolean("allow_stdin", true),
      stop_on_error: f.boolean("stop_on_error", true),
    };
  },
  complete_request: (f) => codeAtCursor(f),
  inspect_request: (f) => ({ ...codeAtCursor(f), detail_level: f.integer("detail_level", 0, 0)! }),
  is_complete_request: (f) => ({ code: f.string("code") }),
  history_request: (f) => {
    const request: HistoryRequest = {
      hist_access_type: f.oneOf("hist_access_type", ["tail", "range", "search"] as const),
      output: f.boolean("output", false),
      unique: f.boolean("unique", false),
      session: f.integer("session", undefined),
      start: f.integer("start", undefined),
      stop: f.integer("stop", undefined),
      n: f.integer("n", undefined, 0),
      pattern: f.string("pattern", undefined),
    };
    return request;
  },
  comm_info_request: (f) => {
    const target = f.string("target_name", undefined);
    return target === undefined ? {} : { target_name: target };
  },
  shutdown_request: (f) => ({ restart: f.boolean("restart", false) }),
  input_reply: (f) => ({ value: f.string("value") }),
};

function codeAtCursor(f: Fields): CodeAtCursorContent {
  const code = f.string("code");
  return { code, cursor_pos: f.integer("cursor_pos", undefined, 0) ?? [...code].length };
}

/** The typed content of a request; throws BadRequestError naming the field that does not fit. */
export function requestContent<T extends RequestType>(msgType: T, content: Record<string, unknown>): RequestContents[T] {
  if (typeof content !== "object" || content === null || Array.isArray(content)) throw new BadRequestError(`${msgType}: the content must be an object, got ${JSON.stringify(content)}`);
  return readers[msgType](new Fields(msgType, content));
}
