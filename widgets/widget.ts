/**
 * The widget base: a model whose state lives in the kernel and is mirrored by the front end
 * over a `jupyter.widget` comm (ipywidgets' `packages/base/src/widget.ts` and
 * `ipywidgets/widgets/widget.py`, protocol 2.1.0).
 *
 * - Kernel -> front end: comm_open `{state, buffer_paths}` (referenced widgets are opened
 *   first), `update` with the changed attributes, `custom`, comm_close.
 * - Front end -> kernel: `update` (applied, validated, answered with `echo_update` and, when
 *   the kernel coerced a value, an `update` with the value it kept), `request_state`, `custom`.
 * - The `jupyter.widget.control` comm answers `request_states` with every live model.
 *
 * Every attribute is typed by the model's spec (generated from the official schema in
 * generated.ts): a wrong type or an unknown name throws a TypeError that names the widget and
 * the attribute. A malformed message from a front end is dropped with a log line.
 *
 * Outside a kernel (a plain node script) widgets work locally: state, observers and links,
 * with no comm.
 */
import { randomUUID } from "node:crypto";
import { displaySymbol, type MimeBundle } from "../src/display.js";
import { kernelHooks, type Comm, type CommMessage, type KernelHooks } from "../src/kernel-hooks.js";
import {
  dateFromJSON,
  dateToJSON,
  datetimeFromJSON,
  datetimeToJSON,
  isBinary,
  isPlainObject,
  isTimeString,
  putBuffers,
  removeBuffers,
  timeFromJSON,
  timeToJSON,
  toBytes,
} from "./serialize.js";

// ---- versions, kept in one place ------------------------------------------------------------

/** The widget message protocol this kernel speaks (comm_open metadata.version). */
export const PROTOCOL_VERSION = "2.1.0";
/** The comm target of widget models. */
export const WIDGET_TARGET = "jupyter.widget";
/** The comm target that answers request_states (control protocol 1.0.0). */
export const CONTROL_TARGET = "jupyter.widget.control";
/** The MIME type of a widget view, and the version it carries. */
export const VIEW_MIME = "application/vnd.jupyter.widget-view+json";
export const VIEW_VERSION = { version_major: 2, version_minor: 0 } as const;

// ---- specs ----------------------------------------------------------------------------------

/** The types of the ipywidgets schema (jupyterwidgetmodels.latest.json). */
export type AttributeType = "string" | "int" | "float" | "bool" | "array" | "object" | "reference" | "bytes" | "Date" | "Datetime" | "Time";

export interface AttributeSpec {
  type: AttributeType;
  default: unknown;
  /** null is allowed (the schema's allow_none). */
  nullable?: boolean;
  /** Allowed strings. */
  enum?: readonly string[];
  /** Element type of an array. */
  items?: "string" | "int" | "float" | "object" | "reference";
  /** The class a reference (or an array's references) must be; "Widget" for any. */
  widget?: string;
  /** A number attribute that also takes this one string (DatePicker/Time step: "any"). */
  orString?: string;
}

export interface ModelSpec {
  /** The class name (the model name without "Model"). */
  className: string;
  model: { module: string; name: string; version: string };
  view: { module: string; name: string | null; version: string };
  attributes: Readonly<Record<string, AttributeSpec>>;
}

/** Attributes a user does not set: they name the model and view classes. */
export type ModelKeys = "_model_module" | "_model_module_version" | "_model_name" | "_view_module" | "_view_module_version" | "_view_name";

/** What a widget's constructor and `set()` take: any of its attributes but the model names. */
export type Init<S> = Partial<Omit<S, ModelKeys>>;

/** An attribute change, as traitlets reports it to observers. */
export interface Change<T = unknown> {
  name: string;
  old: T;
  new: T;
  owner: Widget;
  type: "change";
}

export type Observer<T = any> = (change: Change<T>) => void;

/** A widget class as the registry knows it. */
export type WidgetClass = (abstract new (...args: any[]) => Widget) & { spec: ModelSpec };

// ---- the registry of live widgets (one per process, shared by every copy of this module) -----

interface Registry {
  /** Open widgets by model id. */
  widgets: Map<string, Widget>;
  /** Classes by name, for "reference to new instance" defaults. */
  classes: Map<string, WidgetClass>;
  /** The hooks the control target was registered with. */
  controlFor: KernelHooks | undefined;
}

const registryKey = Symbol.for("rlbook.widgets.registry");
const registry: Registry = ((globalThis as Record<symbol, unknown>)[registryKey] ??= { widgets: new Map(), classes: new Map(), controlFor: undefined }) as Registry;

/** Makes a generated class known (for defaults that are new instances) and defines its attribute accessors. */
export function registerWidgetClass(cls: WidgetClass): void {
  registry.classes.set(cls.spec.className, cls);
  for (const name of Object.keys(cls.spec.attributes)) {
    if (name in cls.prototype) continue;
    const readonly = name.startsWith("_model_") || name.startsWith("_view_");
    Object.defineProperty(cls.prototype, name, {
      configurable: true,
      enumerable: false,
      get(this: Widget) {
        return this.get(name);
      },
      set(this: Widget, value: unknown) {
        if (readonly) throw new TypeError(`${cls.spec.className}.${name} is read-only: it names the model class`);
        this.set({ [name]: value });
      },
    });
  }
}

/** The open widget with this model id, if any. */
export function widgetById(modelId: string): Widget | undefined {
  return registry.widgets.get(modelId);
}

/** Every open widget (those with a comm to the front end). */
export function liveWidgets(): Widget[] {
  return [...registry.widgets.values()];
}

/** Registers the `jupyter.widget.control` target with the kernel (once per kernel). */
export function installControlTarget(): void {
  const hooks = kernelHooks();
  if (!hooks || registry.controlFor === hooks) return;
  registry.controlFor = hooks;
  hooks.comms.registerTarget(CONTROL_TARGET, (comm) => {
    comm.onMessage((message) => {
      const method = message.data.method;
      if (method !== "request_states") {
        logDrop(`a ${JSON.stringify(method)} message on the ${CONTROL_TARGET} comm`, "only request_states is understood");
        return;
      }
      const states: Record<string, unknown> = {};
      for (const [id, widget] of registry.widgets) {
        const { model } = widget.modelSpec;
        states[id] = { model_name: model.name, model_module: model.module, model_module_version: model.version, state: widget.wireState() };
      }
      const { state, buffer_paths, buffers } = removeBuffers(states);
      comm.send({ method: "update_states", states: state, buffer_paths }, {}, buffers);
    });
  });
}

/** The log line for a dropped front-end message: stderr of the message being handled. */
function logDrop(what: string, why: string): void {
  console.warn(`rlbook widgets: dropped ${what}: ${why}`);
}

// ---- value helpers ----------------------------------------------------------------------------

/** Deep equality for attribute values: widgets by identity, dates by time, bytes by content. */
export function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Widget || b instanceof Widget) return false;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (isBinary(a) && isBinary(b)) {
    const x = toBytes(a);
    const y = toBytes(b);
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => same(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && same(a[k], b[k]));
  }
  return false;
}

const deepFreeze = <T>(value: T): T => {
  if (Array.isArray(value) || isPlainObject(value)) {
    for (const item of Object.values(value as object)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
};

const describe = (value: unknown): string => {
  if (value instanceof Widget) return `a ${value.modelSpec.className} widget`;
  if (value instanceof Date) return `Date(${value.toISOString?.() ?? value})`;
  if (isBinary(value)) return `${value.constructor.name}(${value.byteLength} bytes)`;
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? value.slice(0, 57) + "..." : value);
  if (typeof value === "function") return "a function";
  try {
    const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof Widget ? `<${v.modelSpec.className}>` : v));
    return text === undefined ? String(value) : text.length > 80 ? text.slice(0, 77) + "..." : text;
  } catch {
    return String(value);
  }
};

// ---- the base class -------------------------------------------------------------------------

/**
 * A widget model. Subclasses are generated from the schema (generated.ts), one per model;
 * their attributes are properties (`w.value`, `w.description`) that read and write the state.
 */
export abstract class Widget<S extends object = any> {
  /** The model's spec; every concrete class sets it. */
  static spec: ModelSpec;

  #state: Record<string, unknown> = {};
  #comm: Comm | undefined;
  #localId: string | undefined;
  #opening = false;
  #closed = false;
  #constructing = true;
  readonly #observers = new Map<string, Set<Observer>>();
  readonly #customHandlers = new Set<(content: unknown, buffers: Uint8Array[]) => void>();

  constructor(init: Init<S> = {}) {
    const spec = this.modelSpec;
    if (!spec) throw new TypeError(`${new.target.name} has no model spec: widgets are made from the generated classes`);
    if (init === null || typeof init !== "object" || Array.isArray(init)) throw new TypeError(`${spec.className} takes an object of attributes, got ${describe(init)}`);
    for (const [name, attr] of Object.entries(spec.attributes)) this.#state[name] = this.#defaultOf(name, attr);
    const proposed = this.#validateAll(init as Record<string, unknown>);
    this.#commit(proposed, undefined);
    this.#constructing = false;
    // As ipywidgets does, a widget exists on the front end from its creation (in a kernel):
    // open it once the code making it has finished setting it up.
    if (kernelHooks()) queueMicrotask(() => this.ensureOpen());
  }

  /** The model's spec (attribute types and defaults, model and view names). */
  get modelSpec(): ModelSpec {
    return (this.constructor as WidgetClass).spec;
  }

  /** The model id: the comm id in a kernel (opening the comm if needed), else a local id. */
  get model_id(): string {
    this.ensureOpen();
    return this.#comm?.id ?? (this.#localId ??= randomUUID().replaceAll("-", ""));
  }

  /** The comm to the front end, when open. */
  get comm(): Comm | undefined {
    return this.#comm;
  }

  /** True once closed (by `close()` or by the front end). */
  get closed(): boolean {
    return this.#closed;
  }

  /** The attribute names of this model. */
  get keys(): string[] {
    return Object.keys(this.modelSpec.attributes);
  }

  /** One attribute's value. */
  get<K extends keyof S & string>(name: K): S[K];
  get(name: string): unknown;
  get(name: string): unknown {
    if (!(name in this.modelSpec.attributes)) throw new TypeError(`${this.modelSpec.className} has no attribute "${name}"`);
    return this.#state[name];
  }

  /**
   * Sets several attributes at once: validated first (nothing changes if one is wrong), then
   * synced to the front end in one `update`, then observers are called.
   */
  set(changes: Init<S>): this {
    if (changes === null || typeof changes !== "object") throw new TypeError(`${this.modelSpec.className}.set takes an object of attributes, got ${describe(changes)}`);
    const proposed = this.#validateAll(this.translate(changes as Record<string, unknown>));
    this.#commit(proposed, undefined);
    return this;
  }

  /**
   * Calls `handler` when an attribute changes (from kernel code or from a front end):
   * `observe("value", handler)`, `observe(["min", "max"], handler)` or `observe(handler)` for all.
   * Returns a function that removes the observer.
   */
  observe<K extends keyof S & string>(name: K | K[], handler: Observer<S[K]>): () => void;
  observe(name: string | string[], handler: Observer): () => void;
  observe(handler: Observer): () => void;
  observe(nameOrHandler: string | string[] | Observer, maybeHandler?: Observer): () => void {
    const [names, handler] = typeof nameOrHandler === "function" ? [["*"], nameOrHandler] : [Array.isArray(nameOrHandler) ? nameOrHandler : [nameOrHandler], maybeHandler];
    if (typeof handler !== "function") throw new TypeError(`${this.modelSpec.className}.observe needs a handler function`);
    for (const name of names) {
      if (name !== "*" && !(name in this.modelSpec.attributes) && !this.derivedNames().includes(name)) {
        throw new TypeError(`${this.modelSpec.className} has no attribute "${name}" to observe`);
      }
      let set = this.#observers.get(name);
      if (!set) this.#observers.set(name, (set = new Set()));
      set.add(handler);
    }
    return () => {
      for (const name of names) this.#observers.get(name)?.delete(handler);
    };
  }

  /** Removes an observer added with `observe` (for every name it observes). */
  unobserve(handler: Observer): void {
    for (const set of this.#observers.values()) set.delete(handler);
  }

  /** Sends a custom message to the front-end views (`{method: "custom", content}`). */
  send(content: unknown, buffers: (ArrayBuffer | ArrayBufferView)[] = []): void {
    this.ensureOpen();
    if (this.#comm && !this.#comm.closed) this.#comm.send({ method: "custom", content }, {}, buffers);
  }

  /** Calls `handler` with every custom message from the front end; returns a function that removes it. */
  onCustom(handler: (content: unknown, buffers: Uint8Array[]) => void): () => void {
    this.#customHandlers.add(handler);
    return () => this.#customHandlers.delete(handler);
  }

  /** Closes the comm: every view of this widget is removed from the front end. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const comm = this.#comm;
    if (comm) {
      registry.widgets.delete(comm.id);
      if (!comm.closed) comm.close();
    }
  }

  /** The full state in wire form (references as "IPY_MODEL_" strings, dates as JSON, bytes in place). */
  wireState(names: string[] = this.keys): Record<string, unknown> {
    const state: Record<string, unknown> = {};
    for (const name of names) state[name] = this.#toWire(name, this.#state[name]);
    return state;
  }

  /** A widget shows itself as a view of its model (with a text fallback). */
  [displaySymbol](): MimeBundle {
    this.ensureOpen();
    const bundle: MimeBundle = { "text/plain": this.toString() };
    if (this.modelSpec.view.name !== null && this.#comm && !this.#closed) bundle[VIEW_MIME] = { model_id: this.#comm.id, ...VIEW_VERSION };
    return bundle;
  }

  /** `IntSlider(value=3, max=10)`: the attributes that differ from their defaults. */
  toString(): string {
    const spec = this.modelSpec;
    const parts: string[] = [];
    for (const [name, attr] of Object.entries(spec.attributes)) {
      if (name.startsWith("_") || attr.type === "reference") continue;
      const value = this.#state[name];
      if (same(value, attr.default) || (attr.type === "bytes" && isBinary(value) && value.byteLength === 0)) continue;
      parts.push(`${name}=${describe(value)}`);
    }
    return `${spec.className}(${parts.join(", ")})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  // ---- for subclasses -------------------------------------------------------------------------

  /** Maps user-level names (a Selection's `value`, `options`) onto attributes before validation. */
  protected translate(changes: Record<string, unknown>): Record<string, unknown> {
    return changes;
  }

  /** Names observers may watch besides the attributes (a Selection's `value` and `label`). */
  protected derivedNames(): string[] {
    return [];
  }

  /**
   * Cross-attribute rules (a slider clamps its value into [min, max]): adjusts `next` in place
   * or throws. `changed` holds the names being set.
   */
  protected coerce(_next: Record<string, unknown>, _changed: ReadonlySet<string>): void {}

  /** Tells observers of a derived name (not an attribute) that it changed. */
  protected emitChange(name: string, old: unknown, value: unknown): void {
    if (same(old, value)) return;
    const change: Change = { name, old, new: value, owner: this, type: "change" };
    for (const handler of [...(this.#observers.get(name) ?? []), ...(this.#observers.get("*") ?? [])]) handler(change);
  }

  /** Opens the comm if in a kernel and not yet open (referenced widgets are opened first). */
  ensureOpen(): void {
    if (this.#comm || this.#closed || this.#opening) return;
    const hooks = kernelHooks();
    if (!hooks) return;
    installControlTarget();
    this.#opening = true;
    try {
      const { state, buffer_paths, buffers } = removeBuffers(this.wireState());
      const comm = hooks.comms.open(WIDGET_TARGET, { state, buffer_paths }, { version: PROTOCOL_VERSION }, buffers);
      this.#comm = comm;
      registry.widgets.set(comm.id, this);
      comm.onMessage((message) => this.#receive(message));
      comm.onClose(() => {
        this.#closed = true;
        registry.widgets.delete(comm.id);
      });
    } finally {
      this.#opening = false;
    }
  }

  // ---- internals ------------------------------------------------------------------------------

  #defaultOf(name: string, attr: AttributeSpec): unknown {
    if (attr.type === "reference" && attr.default === "reference to new instance") {
      const cls = registry.classes.get(attr.widget ?? "");
      if (!cls) throw new TypeError(`${this.modelSpec.className}.${name}: no widget class "${attr.widget}" is registered`);
      return new (cls as unknown as new () => Widget)();
    }
    if (attr.type === "bytes") return new Uint8Array(0);
    return deepFreeze(structuredClone(attr.default));
  }

  #validateAll(changes: Record<string, unknown>): Record<string, unknown> {
    const proposed: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(changes)) {
      if (value === undefined) continue;
      proposed[name] = this.validate(name, value);
    }
    return proposed;
  }

  /** Checks one value against the attribute's spec; returns it normalized (frozen copies of lists). */
  validate(name: string, value: unknown): unknown {
    const spec = this.modelSpec;
    const attr = spec.attributes[name];
    const where = `${spec.className}.${name}`;
    if (!attr) throw new TypeError(`${spec.className} has no attribute "${name}"`);
    if (name.startsWith("_model_") || name.startsWith("_view_")) {
      if (value === this.#state[name]) return value;
      throw new TypeError(`${where} is read-only: it names the model class`);
    }
    const fail = (expected: string): never => {
      throw new TypeError(`${where} must be ${expected}${attr.nullable ? " or null" : ""}, got ${describe(value)}`);
    };
    if (value === null) return attr.nullable ? null : fail(expectedOf(attr));
    if (attr.orString !== undefined && value === attr.orString) return value;
    switch (attr.type) {
      case "string":
        if (typeof value !== "string") fail("a string");
        if (attr.enum && !attr.enum.includes(value as string)) {
          throw new TypeError(`${where} must be one of ${attr.enum.map((e) => JSON.stringify(e)).join(", ")}${attr.nullable ? " or null" : ""}, got ${describe(value)}`);
        }
        return value;
      case "int":
        return Number.isInteger(value) ? value : fail(attr.orString ? `an integer or "${attr.orString}"` : "an integer");
      case "float":
        return typeof value === "number" ? value : fail(attr.orString ? `a number or "${attr.orString}"` : "a number");
      case "bool":
        return typeof value === "boolean" ? value : fail("true or false");
      case "object":
        return isPlainObject(value) ? deepFreeze(structuredClone(value)) : fail("a plain object");
      case "bytes":
        return isBinary(value) ? new Uint8Array(toBytes(value)) : fail("bytes (a Uint8Array, typed array or ArrayBuffer)");
      case "Date":
      case "Datetime":
        return value instanceof Date && !Number.isNaN(value.getTime()) ? value : fail("a valid Date");
      case "Time":
        return isTimeString(value) ? value : fail('a time of day "HH:MM", "HH:MM:SS" or "HH:MM:SS.mmm"');
      case "reference":
        return this.#checkReference(value, attr.widget ?? "Widget") ? value : fail(`a ${attr.widget} widget`);
      case "array": {
        if (!Array.isArray(value)) return fail(`a list`);
        const items = attr.items;
        value.forEach((item, i) => {
          const ok =
            items === undefined ||
            (items === "string" && typeof item === "string") ||
            (items === "int" && Number.isInteger(item)) ||
            (items === "float" && typeof item === "number") ||
            (items === "object" && isPlainObject(item)) ||
            (items === "reference" && this.#checkReference(item, attr.widget ?? "Widget"));
          if (!ok) throw new TypeError(`${where}[${i}] must be ${itemExpected(items!, attr.widget)}, got ${describe(item)}`);
        });
        return Object.freeze(value.map((item) => (item instanceof Widget || isBinary(item) || item instanceof Date ? item : deepFreeze(structuredClone(item)))));
      }
    }
  }

  #checkReference(value: unknown, widget: string): boolean {
    if (!(value instanceof Widget)) return false;
    if (widget === "Widget" || widget === "DOMWidget") return true;
    const name = value.modelSpec.className;
    return name === widget || (widget === "Axis" && name === "ControllerAxis") || (widget === "Button" && name === "ControllerButton");
  }

  /**
   * Applies validated values: coerces, stores, syncs, notifies. `fromFrontEnd` carries the
   * state a front end sent (its echo and the names it sent that did not validate).
   */
  #commit(proposed: Record<string, unknown>, fromFrontEnd: { received: Record<string, unknown>; rejected: string[] } | undefined): void {
    const next = { ...this.#state, ...proposed };
    this.coerce(next, new Set(Object.keys(proposed)));
    const changed = Object.keys(next).filter((k) => !same(next[k], this.#state[k]));
    const old = this.#state;
    this.#state = next;
    const comm = this.#comm;
    if (comm && !comm.closed && !this.#closed) {
      if (fromFrontEnd) {
        // echo_update with what the front end sent (ipywidgets 8 echoes the received values),
        // then an update for every value the kernel kept differently (clamped, rejected).
        if (Object.keys(fromFrontEnd.received).length) this.#sendState("echo_update", fromFrontEnd.received);
        const resync = Object.keys(next).filter((k) => (k in proposed ? !same(next[k], proposed[k]) : changed.includes(k)) || fromFrontEnd.rejected.includes(k));
        if (resync.length) this.#sendState("update", this.wireState(resync));
      } else if (changed.length) {
        this.#sendState("update", this.wireState(changed));
      }
    }
    for (const name of changed) {
      const change: Change = { name, old: old[name], new: next[name], owner: this, type: "change" };
      for (const handler of [...(this.#observers.get(name) ?? []), ...(this.#observers.get("*") ?? [])]) handler(change);
    }
    if (!this.#constructing) this.afterChange(changed, old);
  }

  /** Called after attributes changed and observers ran (Selection reports value/label here). */
  protected afterChange(_changed: string[], _old: Record<string, unknown>): void {}

  #sendState(method: "update" | "echo_update", wire: Record<string, unknown>): void {
    const { state, buffer_paths, buffers } = removeBuffers(wire);
    this.#comm!.send({ method, state, buffer_paths }, {}, buffers);
  }

  #toWire(name: string, value: unknown): unknown {
    const attr = this.modelSpec.attributes[name]!;
    switch (attr.type) {
      case "Date":
        return dateToJSON(value as Date | null);
      case "Datetime":
        return datetimeToJSON(value as Date | null, this.modelSpec.model.name === "NaiveDatetimeModel");
      case "Time":
        return timeToJSON(value as string | null);
      default:
        return toWireDeep(value);
    }
  }

  #fromWire(name: string, value: unknown): unknown {
    const attr = this.modelSpec.attributes[name]!;
    switch (attr.type) {
      case "Date":
        return dateFromJSON(value);
      case "Datetime":
        return datetimeFromJSON(value, this.modelSpec.model.name === "NaiveDatetimeModel");
      case "Time":
        return timeFromJSON(value);
      case "bytes":
        return isBinary(value) ? new Uint8Array(toBytes(value)) : value;
      case "reference":
      case "array":
        return fromWireDeep(value);
      default:
        return value;
    }
  }

  #receive(message: CommMessage): void {
    const data = message.data;
    const method = data.method;
    const what = `a ${typeof method === "string" ? method : "message without a method"} message for ${this.modelSpec.className} ${this.#comm?.id}`;
    switch (method) {
      case "update": {
        const state = data.state;
        if (!isPlainObject(state)) return logDrop(what, "its state is not an object");
        try {
          putBuffers(state, data.buffer_paths, message.buffers);
        } catch (error) {
          return logDrop(what, (error as Error).message);
        }
        const proposed: Record<string, unknown> = {};
        const received: Record<string, unknown> = {};
        const rejected: string[] = [];
        for (const [name, raw] of Object.entries(state)) {
          if (!(name in this.modelSpec.attributes)) {
            logDrop(`attribute "${name}" of ${what}`, `${this.modelSpec.className} has no such attribute`);
            continue;
          }
          try {
            proposed[name] = this.validate(name, this.#fromWire(name, raw));
            received[name] = raw;
          } catch (error) {
            logDrop(`attribute "${name}" of ${what}`, (error as Error).message);
            rejected.push(name);
          }
        }
        try {
          // Cross-attribute rules may refuse the whole update (min > max): resync instead.
          const probe = { ...this.#state, ...proposed };
          this.coerce(probe, new Set(Object.keys(proposed)));
        } catch (error) {
          logDrop(what, (error as Error).message);
          if (this.#comm && !this.#comm.closed) this.#sendState("echo_update", received);
          if (this.#comm && !this.#comm.closed) this.#sendState("update", this.wireState(Object.keys(received).concat(rejected)));
          return;
        }
        this.#commit(proposed, { received, rejected });
        return;
      }
      case "request_state":
        this.#sendState("update", this.wireState());
        return;
      case "custom":
        for (const handler of this.#customHandlers) handler(data.content, message.buffers);
        return;
      default:
        logDrop(what, `the method ${JSON.stringify(method)} is not part of the widget protocol`);
    }
  }
}

const expectedOf = (attr: AttributeSpec): string =>
  ({ string: "a string", int: "an integer", float: "a number", bool: "true or false", array: "a list", object: "a plain object", reference: `a ${attr.widget} widget`, bytes: "bytes", Date: "a Date", Datetime: "a Date", Time: "a time of day" })[attr.type];

const itemExpected = (items: string, widget: string | undefined): string =>
  ({ string: "a string", int: "an integer", float: "a number", object: "a plain object", reference: `a ${widget ?? "Widget"} widget` })[items] ?? items;

/** Widgets become "IPY_MODEL_<id>" (opening them first); lists and objects are walked. */
function toWireDeep(value: unknown): unknown {
  if (value instanceof Widget) return `IPY_MODEL_${value.model_id}`;
  if (Array.isArray(value)) return value.map(toWireDeep);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWireDeep(v)]));
  return value;
}

/** "IPY_MODEL_<id>" strings of live widgets become the widgets. */
function fromWireDeep(value: unknown): unknown {
  if (typeof value === "string" && value.startsWith("IPY_MODEL_")) {
    const widget = registry.widgets.get(value.slice("IPY_MODEL_".length));
    if (!widget) throw new TypeError(`${value} is not an open widget`);
    return widget;
  }
  if (Array.isArray(value)) return value.map(fromWireDeep);
  return value;
}

if (kernelHooks()) installControlTarget();
