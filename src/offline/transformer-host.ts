/**
 * The forward pass of nn/modules.ts's CausalTransformer in plain JavaScript, on a host copy of its
 * weights, for the last position of one sequence: what Decision Transformer needs to act without
 * a tensor read (acting stays synchronous on every backend, as the MLP learners' forwardHost).
 * Weights in the module's `variables` order: embed kernel, embed bias, positions, per block
 * (ln_1 gamma, beta, c_attn kernel, bias, attn c_proj kernel, bias, ln_2 gamma, beta, mlp c_fc
 * kernel, bias, mlp c_proj kernel, bias), ln_f gamma, beta, head kernel, bias.
 */

export interface HostTransformerShape {
  inputDim: number;
  outputDim: number;
  dModel: number;
  nHeads: number;
  nLayers: number;
}

/** x [n, fin] @ W [fin, fout] + b. */
function dense(x: Float32Array, n: number, fin: number, W: Float32Array, b: Float32Array, fout: number): Float32Array {
  const out = new Float32Array(n * fout);
  for (let i = 0; i < n; i++) {
    out.set(b, i * fout);
    for (let j = 0; j < fin; j++) {
      const xv = x[i * fin + j];
      if (xv === 0) continue;
      for (let c = 0; c < fout; c++) out[i * fout + c] += xv * W[j * fout + c];
    }
  }
  return out;
}

/** LayerNorm over rows of width d (eps 1e-5, biased variance, as torch and layerNorm). */
function layerNorm(x: Float32Array, n: number, d: number, g: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let j = 0; j < d; j++) m += x[i * d + j];
    m /= d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (x[i * d + j] - m) ** 2;
    const inv = 1 / Math.sqrt(v / d + 1e-5);
    for (let j = 0; j < d; j++) out[i * d + j] = (x[i * d + j] - m) * inv * g[j] + b[j];
  }
  return out;
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** The model's output at the last of T positions of `seq` [T, inputDim]. */
export function transformerLastHost(w: readonly Float32Array[], s: HostTransformerShape, seq: Float32Array, T: number): Float32Array {
  const d = s.dModel;
  const nh = s.nHeads;
  const hd = d / nh;
  let k = 0;
  const next = () => w[k++];
  const embed = next();
  const embedB = next();
  const pos = next();
  let h = dense(seq, T, s.inputDim, embed, embedB, d);
  for (let i = 0; i < T * d; i++) h[i] += pos[i];
  for (let l = 0; l < s.nLayers; l++) {
    const [ln1g, ln1b, wqkv, bqkv, wo, bo, ln2g, ln2b, w1, b1, w2, b2] = Array.from({ length: 12 }, next);
    const qkv = dense(layerNorm(h, T, d, ln1g, ln1b), T, d, wqkv, bqkv, 3 * d);
    const ctx = new Float32Array(T * d);
    const scores = new Float64Array(T);
    for (let head = 0; head < nh; head++) {
      const o = head * hd;
      for (let t = 0; t < T; t++) {
        let mx = -Infinity;
        for (let u = 0; u <= t; u++) {
          let dot = 0;
          for (let j = 0; j < hd; j++) dot += qkv[t * 3 * d + o + j] * qkv[u * 3 * d + d + o + j];
          scores[u] = dot / Math.sqrt(hd);
          mx = Math.max(mx, scores[u]);
        }
        let z = 0;
        for (let u = 0; u <= t; u++) z += (scores[u] = Math.exp(scores[u] - mx));
        for (let u = 0; u <= t; u++) {
          const p = scores[u] / z;
          for (let j = 0; j < hd; j++) ctx[t * d + o + j] += p * qkv[u * 3 * d + 2 * d + o + j];
        }
      }
    }
    const att = dense(ctx, T, d, wo, bo, d);
    for (let i = 0; i < T * d; i++) att[i] += h[i];
    const ff = w1.length / d;
    const f = dense(layerNorm(att, T, d, ln2g, ln2b), T, d, w1, b1, ff);
    for (let i = 0; i < f.length; i++) {
      const x = f[i];
      f[i] = 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x)));
    }
    const m = dense(f, T, ff, w2, b2, d);
    for (let i = 0; i < T * d; i++) m[i] += att[i];
    h = m;
  }
  const [lnG, lnB, head, headB] = [next(), next(), next(), next()];
  const last = layerNorm(h.subarray((T - 1) * d, T * d), 1, d, lnG, lnB);
  return dense(last, 1, d, head, headB, s.outputDim);
}
