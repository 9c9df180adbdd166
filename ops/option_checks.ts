/**
 * The option checks the ops share (softmax, divergence and evaluation options): each throws an error
 * that names the op and the option and shows what it got.
 */

/** A value as an error message shows it: strings quoted. */
export function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}

/** Throws unless `options` is an object whose every key is in `known`, naming a stray key and the expected ones. */
export function checkKeys(op: string, options: unknown, known: readonly string[]): void {
  if (options == null || typeof options !== 'object') {
    throw new Error(`${op}: options must be an object; got ${String(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new Error(`${op}: unknown option '${key}'; expected one of ${known.join(', ')}.`);
  }
}

/** options.<name> as a finite number > 0. */
export function positive(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !(v > 0)) {
    throw new Error(`${op}: options.${name} must be a finite number > 0; got ${show(v)}.`);
  }
  return v;
}

/** options.base (default Math.E): a finite number > 1, Math.E for nats, 2 for bits. */
export function baseOf(op: string, v: unknown): number {
  const b = v ?? Math.E;
  if (typeof b !== 'number' || !Number.isFinite(b) || !(b > 1)) {
    throw new Error(`${op}: options.base must be a finite number > 1 (Math.E for nats, 2 for bits); got ${show(b)}.`);
  }
  return b;
}
