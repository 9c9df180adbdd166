/**
 * The language model's data once it is word ids, shared by Node (data.ts builds it from the Brown
 * corpus) and the browser (which fetches it from the demo server): the corpus as id streams, its wire
 * format, the (context, next word) examples and the order they are trained on. No fs, no DOM.
 *
 * Ids: 0 is <unk> (a word outside the vocabulary), 1 is <s> (what the context holds before a
 * document's first word: never a target), 2… the vocabulary's words by descending training count.
 */

export const UNK = 0;
export const BOS = 1;
export const SPECIAL = ['<unk>', '<s>'];

/** Documents as one stream of ids: document d is ids[starts[d], starts[d + 1]). */
export interface Split {
  names: string[];
  starts: number[];
  ids: Uint16Array;
}

export interface Corpus {
  /** id → word; vocab.length is V, the model's number of classes */
  vocab: string[];
  train: Split;
  heldOut: Split;
}

/** What the demo server sends besides the ids (corpus.json); the ids go as tokens.bin. */
export interface CorpusHeader {
  vocab: string[];
  train: {names: string[], starts: number[]};
  heldOut: {names: string[], starts: number[]};
}

/** The two files the browser fetches: header JSON and the ids, train then held-out, uint16 little-endian. */
export function encodeCorpus(c: Corpus): {header: CorpusHeader, tokens: Uint8Array} {
  const tokens = new Uint8Array(2 * (c.train.ids.length + c.heldOut.ids.length));
  const view = new DataView(tokens.buffer);
  let at = 0;
  for (const ids of [c.train.ids, c.heldOut.ids]) {
    for (const id of ids) { view.setUint16(at, id, true); at += 2; }
  }
  return {
    header: {vocab: c.vocab, train: {names: c.train.names, starts: c.train.starts},
      heldOut: {names: c.heldOut.names, starts: c.heldOut.starts}},
    tokens,
  };
}

export function decodeCorpus(header: CorpusHeader, tokens: ArrayBuffer): Corpus {
  const view = new DataView(tokens);
  const total = tokens.byteLength / 2;
  const trainN = header.train.starts[header.train.starts.length - 1];
  const heldN = header.heldOut.starts[header.heldOut.starts.length - 1];
  if (trainN + heldN !== total) throw new Error(`tokens.bin holds ${total} ids; corpus.json says ${trainN + heldN}`);
  const read = (from: number, n: number) => {
    const ids = new Uint16Array(n);
    for (let i = 0; i < n; i++) ids[i] = view.getUint16(2 * (from + i), true);
    return ids;
  };
  return {
    vocab: header.vocab,
    train: {...header.train, ids: read(0, trainN)},
    heldOut: {...header.heldOut, ids: read(trainN, heldN)},
  };
}

/**
 * Every position of a split as an example: the k ids before it in its document (<s> before the
 * first word) and the id at it. context is [n · k], oldest first; next is [n].
 */
export interface Examples {
  context: Int32Array;
  next: Int32Array;
  k: number;
  n: number;
}

export function examples(split: Split, k: number): Examples {
  const n = split.ids.length;
  const context = new Int32Array(n * k);
  const next = new Int32Array(n);
  for (let d = 0; d + 1 < split.starts.length; d++) {
    const [s, e] = [split.starts[d], split.starts[d + 1]];
    for (let p = s; p < e; p++) {
      next[p] = split.ids[p];
      for (let j = 0; j < k; j++) {
        const q = p - k + j;
        context[p * k + j] = q >= s ? split.ids[q] : BOS;
      }
    }
  }
  return {context, next, k, n};
}

/** The examples at `positions`, gathered: what one batch feeds the model. */
export function pick(ex: Examples, positions: ArrayLike<number>): {context: Int32Array, next: Int32Array} {
  const n = positions.length;
  const context = new Int32Array(n * ex.k);
  const next = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const p = positions[i];
    context.set(ex.context.subarray(p * ex.k, (p + 1) * ex.k), i * ex.k);
    next[i] = ex.next[p];
  }
  return {context, next};
}

/** mulberry32: a small seeded generator, the same sequence in Node and every browser. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The order training visits the training positions: one seeded shuffle of all of them. Epoch e takes
 * the next `perEpoch` positions after epoch e − 1's (wrapping round after the whole corpus), so an
 * epoch is a fresh subset of the corpus and both heads see the same batches in the same order.
 */
export function trainingOrder(n: number, seed: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const r = random(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Batch `b` (0-based over all epochs) of `size` positions from the order. */
export function batchPositions(order: Uint32Array, b: number, size: number): Uint32Array {
  const out = new Uint32Array(size);
  for (let i = 0; i < size; i++) out[i] = order[(b * size + i) % order.length];
  return out;
}

/**
 * The held-out positions perplexity is measured on: `count` positions spread evenly over every
 * held-out document (all of them when count ≥ the split's size).
 */
export function heldOutPositions(n: number, count: number): Uint32Array {
  const m = Math.min(n, count);
  const out = new Uint32Array(m);
  for (let i = 0; i < m; i++) out[i] = Math.floor((i * n) / m);
  return out;
}
