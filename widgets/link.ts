/**
 * Links between widget attributes, as ipywidgets offers them:
 * - `link` / `dlink`: kept in sync by the kernel (traitlets' link: works everywhere, also for
 *   a Selection's `value`, and runs kernel code on the way);
 * - `jslink` / `jsdlink`: a LinkModel in the front end, so the views stay in sync with no
 *   round trip to the kernel (a Play button driving a slider).
 */
import { Widget, same } from "./widget.js";
import { DirectionalLink, Link } from "./generated.js";

/** A (widget, attribute name) pair. */
export type Endpoint<W extends Widget = Widget> = readonly [W, string];

/** A kernel-side link; `unlink()` ends it. */
export interface KernelLink {
  readonly source: Endpoint;
  readonly target: Endpoint;
  unlink(): void;
}

const read = ([widget, name]: Endpoint): unknown => (widget as unknown as Record<string, unknown>)[name];

function write([widget, name]: Endpoint, value: unknown): void {
  if (!same(read([widget, name]), value)) (widget as unknown as Record<string, unknown>)[name] = value;
}

function check(endpoint: Endpoint, role: string): void {
  if (!Array.isArray(endpoint) || endpoint.length !== 2 || !(endpoint[0] instanceof Widget) || typeof endpoint[1] !== "string") {
    throw new TypeError(`link ${role} must be [widget, "attribute"], got ${String(endpoint)}`);
  }
  if (!(endpoint[1] in endpoint[0])) throw new TypeError(`link ${role}: ${endpoint[0].modelSpec.className} has no attribute "${endpoint[1]}"`);
}

/** Keeps two attributes equal (the target takes the source's value now); both directions. */
export function link(source: Endpoint, target: Endpoint): KernelLink {
  check(source, "source");
  check(target, "target");
  let busy = false;
  const guard = (fn: () => void) => {
    if (busy) return;
    busy = true;
    try {
      fn();
    } finally {
      busy = false;
    }
  };
  write(target, read(source));
  const off1 = source[0].observe(source[1], (c) => guard(() => write(target, c.new)));
  const off2 = target[0].observe(target[1], (c) => guard(() => write(source, c.new)));
  return { source, target, unlink: () => (off1(), off2()) };
}

/** Copies the source attribute to the target (through `transform`) whenever it changes. */
export function dlink<T, U = T>(source: Endpoint, target: Endpoint, transform: (value: T) => U = (v) => v as unknown as U): KernelLink {
  check(source, "source");
  check(target, "target");
  write(target, transform(read(source) as T));
  const off = source[0].observe(source[1], (c) => write(target, transform(c.new as T)));
  return { source, target, unlink: off };
}

/** Links two attributes in the front end (a LinkModel); close the returned widget to unlink. */
export function jslink(source: Endpoint, target: Endpoint): Link {
  check(source, "source");
  check(target, "target");
  return new Link({ source, target });
}

/** Copies a source attribute to a target in the front end (a DirectionalLinkModel). */
export function jsdlink(source: Endpoint, target: Endpoint): DirectionalLink {
  check(source, "source");
  check(target, "target");
  return new DirectionalLink({ source, target });
}
