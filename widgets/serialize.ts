/**
 * Wire encoding of widget state (ipywidgets `packages/base/src/utils.ts` and
 * `ipywidgets/widgets/widget.py`): binary values travel as message buffers whose places in
 * the state are listed in `buffer_paths`, and dates/times have JSON shapes of their own.
 */

/** A path inside a state object: keys and list indices. */
export type BufferPath = (string | number)[];

const isBinary = (value: unknown): value is ArrayBuffer | ArrayBufferView => value instanceof ArrayBuffer || ArrayBuffer.isView(value);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);

/** Bytes of a binary value, as a Uint8Array view (no copy). */
export function toBytes(value: ArrayBuffer | ArrayBufferView): Uint8Array {
  return value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * Takes the binary values out of `state`: a value at a dict key is removed, one in a list
 * leaves `null`. Returns a copy; `state` itself is not changed.
 */
export function removeBuffers(state: Record<string, unknown>): { state: Record<string, unknown>; buffer_paths: BufferPath[]; buffers: Uint8Array[] } {
  const buffer_paths: BufferPath[] = [];
  const buffers: Uint8Array[] = [];
  const walk = (value: unknown, path: BufferPath): unknown => {
    if (Array.isArray(value)) {
      return value.map((item, i) => {
        if (isBinary(item)) {
          buffer_paths.push([...path, i]);
          buffers.push(toBytes(item));
          return null;
        }
        return walk(item, [...path, i]);
      });
    }
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        if (isBinary(item)) {
          buffer_paths.push([...path, key]);
          buffers.push(toBytes(item));
        } else out[key] = walk(item, [...path, key]);
      }
      return out;
    }
    return value;
  };
  return { state: walk(state, []) as Record<string, unknown>, buffer_paths, buffers };
}

/**
 * Puts message buffers back at their paths in `state` (in place). Throws a TypeError naming
 * the problem when a path does not fit the state or there are fewer buffers than paths.
 */
export function putBuffers(state: Record<string, unknown>, bufferPaths: unknown, buffers: Uint8Array[]): void {
  if (bufferPaths === undefined || bufferPaths === null) return;
  if (!Array.isArray(bufferPaths)) throw new TypeError(`buffer_paths must be a list of paths, got ${JSON.stringify(bufferPaths)}`);
  if (bufferPaths.length > buffers.length) throw new TypeError(`buffer_paths lists ${bufferPaths.length} buffers but the message carries ${buffers.length}`);
  bufferPaths.forEach((path, i) => {
    if (!Array.isArray(path) || path.length === 0 || !path.every((p) => typeof p === "string" || typeof p === "number")) {
      throw new TypeError(`buffer path ${JSON.stringify(path)} is not a non-empty list of keys and indices`);
    }
    let target: unknown = state;
    for (const key of path.slice(0, -1)) {
      target = (target as Record<string | number, unknown>)?.[key];
      if (target === null || typeof target !== "object") throw new TypeError(`buffer path ${JSON.stringify(path)} does not lead into the state`);
    }
    (target as Record<string | number, unknown>)[path[path.length - 1] as string | number] = buffers[i];
  });
}

// ---- dates and times (ipywidgets/widgets/trait_types.py) ------------------------------------

export interface DateJSON {
  year: number;
  /** 0-based, as JavaScript's Date. */
  month: number;
  date: number;
}

/** A calendar date (DatePicker): the local date of `value`. */
export function dateToJSON(value: Date | null): DateJSON | null {
  return value === null ? null : { year: value.getFullYear(), month: value.getMonth(), date: value.getDate() };
}

export function dateFromJSON(json: unknown): Date | null {
  if (json === null) return null;
  const j = json as DateJSON;
  if (!isPlainObject(json) || ![j.year, j.month, j.date].every(Number.isInteger)) throw new TypeError(`expected {year, month, date}, got ${JSON.stringify(json)}`);
  return new Date(j.year, j.month, j.date);
}

export interface DatetimeJSON extends DateJSON {
  hours: number;
  minutes: number;
  seconds: number;
  milliseconds: number;
}

/** A point in time (Datetime): UTC fields, as ipywidgets' datetime_to_json. Naive datetimes use local fields. */
export function datetimeToJSON(value: Date | null, naive = false): DatetimeJSON | null {
  if (value === null) return null;
  return naive
    ? { year: value.getFullYear(), month: value.getMonth(), date: value.getDate(), hours: value.getHours(), minutes: value.getMinutes(), seconds: value.getSeconds(), milliseconds: value.getMilliseconds() }
    : { year: value.getUTCFullYear(), month: value.getUTCMonth(), date: value.getUTCDate(), hours: value.getUTCHours(), minutes: value.getUTCMinutes(), seconds: value.getUTCSeconds(), milliseconds: value.getUTCMilliseconds() };
}

export function datetimeFromJSON(json: unknown, naive = false): Date | null {
  if (json === null) return null;
  const j = json as DatetimeJSON;
  if (!isPlainObject(json) || ![j.year, j.month, j.date, j.hours, j.minutes, j.seconds, j.milliseconds].every(Number.isInteger)) {
    throw new TypeError(`expected {year, month, date, hours, minutes, seconds, milliseconds}, got ${JSON.stringify(json)}`);
  }
  return naive ? new Date(j.year, j.month, j.date, j.hours, j.minutes, j.seconds, j.milliseconds) : new Date(Date.UTC(j.year, j.month, j.date, j.hours, j.minutes, j.seconds, j.milliseconds));
}

export interface TimeJSON {
  hours: number;
  minutes: number;
  seconds: number;
  milliseconds: number;
}

const TIME = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

/** A time of day is written "HH:MM", "HH:MM:SS" or "HH:MM:SS.mmm" (as an HTML time input). */
export function isTimeString(value: unknown): value is string {
  const m = typeof value === "string" ? TIME.exec(value) : null;
  return m !== null && Number(m[1]) < 24 && Number(m[2]) < 60 && Number(m[3] ?? 0) < 60;
}

export function timeToJSON(value: string | null): TimeJSON | null {
  if (value === null) return null;
  const m = TIME.exec(value)!;
  return { hours: Number(m[1]), minutes: Number(m[2]), seconds: Number(m[3] ?? 0), milliseconds: Number((m[4] ?? "0").padEnd(3, "0")) };
}

export function timeFromJSON(json: unknown): string | null {
  if (json === null) return null;
  const j = json as TimeJSON;
  if (!isPlainObject(json) || ![j.hours, j.minutes, j.seconds, j.milliseconds].every(Number.isInteger)) throw new TypeError(`expected {hours, minutes, seconds, milliseconds}, got ${JSON.stringify(json)}`);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(j.hours)}:${two(j.minutes)}:${two(j.seconds)}${j.milliseconds ? `.${String(j.milliseconds).padStart(3, "0")}` : ""}`;
}

export { isBinary, isPlainObject };
