/**
 * The language model example (examples/lm/) in Node on wasm, tiny runs at the real vocabulary
 * (V = 20 002): the two heads start from the same weights and agree on the first step's loss and on
 * the held-out perplexity after it; and `npm start -- --lm` (scripts/start.ts through tsx) trains:
 * held-out perplexity falls over two short epochs for both heads, the tables and the chart come out.
 * Nothing here is timed.
 */
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {loadBrown} from '../examples/lm/data';
import {initialWeights, LanguageModel, logUnigram} from '../examples/lm/model';
import {DEFAULT_SETTINGS, prepare, trainHead} from '../examples/lm/train';
import {BOS, decodeCorpus, encodeCorpus, examples, UNK} from '../examples/lm/tokens';
import {WASM} from './backends';

const root = path.join(__dirname, '..');
const start = (...args: string[]) => execFileSync(process.execPath,
    [require.resolve('tsx/cli'), 'scripts/start.ts', '--lm', ...args],
    {cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});

const corpus = loadBrown();

/** Entries where two arrays differ (jest's toEqual walks a million-entry array slowly). */
function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

// wasm with SIMD, as npm start runs it (under jest tfjs would not detect SIMD by itself)
beforeAll(() => WASM.setup());

test('the corpus: 500 documents split 450 / 50 by document, V = 20 002, tags stripped, words lower-cased', () => {
  expect(corpus.vocab.length).toBe(20002);
  expect(corpus.vocab.slice(0, 5)).toEqual(['<unk>', '<s>', 'the', ',', '.']);
  expect(corpus.vocab.every((w) => w === w.toLowerCase() && !/\s/.test(w))).toBe(true);
  expect([corpus.train.names.length, corpus.heldOut.names.length]).toEqual([450, 50]);
  expect(corpus.heldOut.names.slice(0, 3)).toEqual(['ca10', 'ca20', 'ca30']);
  expect(corpus.train.names.filter((n) => corpus.heldOut.names.includes(n))).toEqual([]);
  // "The/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd ..." opens ca01
  const first = Array.from(corpus.train.ids.subarray(0, 6), (id) => corpus.vocab[id]);
  expect(first).toEqual(['the', 'fulton', 'county', 'grand', 'jury', 'said']);
  const total = corpus.train.ids.length + corpus.heldOut.ids.length;
  expect(total).toBeGreaterThan(1.1e6);
  // the wire format the demo page fetches gives the same corpus back
  const {header, tokens} = encodeCorpus(corpus);
  const back = decodeCorpus(header, tokens.buffer.slice(tokens.byteOffset, tokens.byteOffset + tokens.byteLength) as ArrayBuffer);
  expect(differing(back.heldOut.ids, corpus.heldOut.ids)).toBe(0);
  expect(differing(back.train.ids, corpus.train.ids)).toBe(0);
  expect(back.train.starts).toEqual(corpus.train.starts);
  // a document's first word has only <s> before it; ids stay below V
  const ex = examples(corpus.heldOut, 3);
  expect(Array.from(ex.context.subarray(0, 3))).toEqual([BOS, BOS, BOS]);
  expect(Math.max(...ex.next)).toBeLessThan(20002);
  expect(ex.next.includes(UNK)).toBe(true);
});

test('both heads start from the same weights and agree on the first step\'s loss and on perplexity after it', async () => {
  const s = {...DEFAULT_SETTINGS, epochs: 1, stepsPerEpoch: 1, batchTokens: 1024, evalTokens: 1024, evalBatch: 1024};
  const p = prepare(corpus, s);
  const init = initialWeights(p.config, s.seed, logUnigram(corpus.train.ids, p.config.vocabSize));
  const initValues = await Promise.all(Object.values(init).map((t) => t.data()));
  const tensorsBefore = tf.memory().numTensors;
  try {
    const [a, b] = [new LanguageModel(p.config, init, 'a'), new LanguageModel(p.config, init, 'b')];
    for (const k of Object.keys(init)) expect([k, differing(await a.vars[k].data(), await b.vars[k].data())]).toEqual([k, 0]);
    a.dispose();
    b.dispose();
    const fused = await trainHead('fused', p, init, s);
    const plain = await trainHead('tf.losses', p, init, s);
    for (const r of [fused, plain]) {
      expect(r.failure).toBeUndefined();
      expect(r.epochs.map((e) => e.epoch)).toEqual([0, 1]);
    }
    // the same weights, the same evaluation: the same perplexity before training, to the bit
    expect(fused.epochs[0].heldOut.perplexity).toBe(plain.epochs[0].heldOut.perplexity);
    const [lf, lp] = [fused.firstLoss as number, plain.firstLoss as number];
    expect(Number.isFinite(lf)).toBe(true);
    expect(Math.abs(lf - lp)).toBeLessThanOrEqual(1e-5 * Math.abs(lp));
    // the unigram start: about the unigram model's perplexity, far below V
    expect(fused.epochs[0].heldOut.perplexity).toBeLessThan(2000);
    const [pf, pp] = [fused.epochs[1].heldOut.perplexity, plain.epochs[1].heldOut.perplexity];
    expect(Math.abs(pf - pp)).toBeLessThanOrEqual(1e-3 * pp);
    // the fused head never holds a [1024, V] tensor; tf.losses holds several
    const logits = 4 * 1024 * p.config.vocabSize;
    expect((fused.peakBytes as number) - (fused.restBytes as number)).toBeLessThan(2 * logits);
    expect((plain.peakBytes as number) - (plain.restBytes as number)).toBeGreaterThan(3 * logits);
    // training changed the models' variables, never the initial weights they were made from
    const after = await Promise.all(Object.values(init).map((t) => t.data()));
    after.forEach((v, i) => expect(differing(v, initValues[i])).toBe(0));
  } finally {
    tf.dispose(Object.values(init));
  }
  expect(tf.memory().numTensors).toBe(tensorsBefore - Object.keys(init).length);
}, 60_000);

test('tied to the embedding (transposeWeight: true), the two heads agree as well', async () => {
  const s = {...DEFAULT_SETTINGS, epochs: 1, stepsPerEpoch: 1, batchTokens: 256, evalTokens: 512, evalBatch: 512};
  const p = prepare(corpus, s, {tie: true});
  expect(p.config.tie).toBe(true);
  const init = initialWeights(p.config, s.seed, logUnigram(corpus.train.ids, p.config.vocabSize));
  try {
    expect(Object.keys(init).sort()).toEqual(['b1', 'bias', 'embedding', 'w1']);
    const [fused, plain] = [await trainHead('fused', p, init, s), await trainHead('tf.losses', p, init, s)];
    const [lf, lp] = [fused.firstLoss as number, plain.firstLoss as number];
    expect(Math.abs(lf - lp)).toBeLessThanOrEqual(1e-5 * Math.abs(lp));
    const [pf, pp] = [fused.epochs[1].heldOut.perplexity, plain.epochs[1].heldOut.perplexity];
    expect(Math.abs(pf - pp)).toBeLessThanOrEqual(1e-3 * pp);
  } finally {
    tf.dispose(Object.values(init));
  }
}, 30_000);

test('npm start -- --lm --help lists the options; an unknown one stops with the help', () => {
  const out = start('--help');
  for (const flag of ['--backend', '--epochs', '--steps', '--batch-tokens', '--eval-tokens', '--tie', '--chart', '--probe']) {
    expect(out).toContain(flag);
  }
  expect(() => start('--epoch', '2')).toThrow(/unknown option --epoch/);
});

test('npm start -- --lm: held-out perplexity falls over two short epochs, for both heads; tables, probe and chart', () => {
  const chart = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lm-')), 'lm.svg');
  const out = start('--epochs', '2', '--steps', '4', '--batch-tokens', '256', '--eval-tokens', '2048',
      '--probe', '512', '--chart', chart);
  expect(out).toMatch(/V = 20 002 \(20 000 words, <unk>, <s>\)/);
  expect(out).toMatch(/2 epochs of 4 steps × 256 tokens/);
  const row = (name: string) => {
    const m = new RegExp(`^\\| ${name} \\| ([\\d.]+) \\| ([\\d.]+) \\|$`, 'm').exec(out);
    expect(m).not.toBeNull();
    return (m as RegExpExecArray).slice(1).map(Number);
  };
  const before = row('before training');
  const e1 = row('after epoch 1');
  const e2 = row('after epoch 2');
  expect(before[0]).toBe(before[1]);
  for (const h of [0, 1]) {
    expect(e1[h]).toBeLessThan(before[h]);
    expect(e2[h]).toBeLessThan(e1[h]);
  }
  // the two heads train the same model: their perplexities agree to a fraction of a percent
  for (const r of [e1, e2]) expect(Math.abs(r[0] - r[1])).toBeLessThanOrEqual(2e-3 * r[1]);
  const costs = out.split('\n').filter((l) => /^\| (linearCrossEntropy|matMul) .* MB \|/.test(l));
  expect(costs).toHaveLength(2);
  // the probe: one step of each head at 512 tokens, both ran
  expect(out).toMatch(/^\| 512 \| [\d.]+ s, peak [\d.]+ MB \| [\d.]+ s, peak [\d.]+ MB \|$/m);
  expect(out).toContain('The tf.losses head ran at every size tried.');
  const svg = fs.readFileSync(chart, 'utf8');
  expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const lines = [...svg.matchAll(/class="series ([^"]+)" data-values="([^"]*)"/g)];
  expect(lines.map((m) => m[1])).toEqual(['fused', 'tf.losses']);
  // the chart's numbers (2 decimals) are the table's (1 decimal)
  lines[0][2].split(' ').map(Number).forEach((v, i) => expect(Math.abs(v - [before[0], e1[0], e2[0]][i])).toBeLessThanOrEqual(0.05));
}, 60_000);
