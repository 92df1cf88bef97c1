/**
 * Weight initialisation, seeded by rlbook's {@link Rng} so that a seed fixes the network.
 *
 * `orthogonal(rows, cols, gain, rng)` follows torch.nn.init.orthogonal_ (which CleanRL's
 * `layer_init` uses): QR of a standard-normal matrix, signs fixed by diag(R), scaled by `gain`.
 */
import type { Rng } from "../core/rng.js";

/**
 * A (rows x cols) matrix, row-major, whose rows (if rows <= cols) or columns (otherwise) are
 * orthonormal, times `gain`.
 */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  // Work on the tall orientation (n >= m): Q is n x m with orthonormal columns.
  const transpose = rows < cols;
  const n = transpose ? cols : rows;
  const m = transpose ? rows : cols;
  const a = new Float64Array(n * m); // column-major: column j at [j*n, (j+1)*n)
  for (let i = 0; i < n * m; i++) a[i] = rng.normal();
  // Modified Gram-Schmidt, twice for numerical orthogonality; r_jj signs as torch's QR would give.
  for (let j = 0; j < m; j++) {
    const cj = j * n;
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const ck = k * n;
        let dot = 0;
        for (let i = 0; i < n; i++) dot += a[cj + i] * a[ck + i];
        for (let i = 0; i < n; i++) a[cj + i] -= dot * a[ck + i];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += a[cj + i] * a[cj + i];
    norm = Math.sqrt(norm);
    if (norm < 1e-12) throw new Error("orthogonal: degenerate random matrix");
    for (let i = 0; i < n; i++) a[cj + i] /= norm;
  }
  // Gram-Schmidt gives R with a positive diagonal, which is QR followed by torch's sign fix
  // (q *= sign(diag(r))), so no further sign change is needed.
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // Tall case: out[r][c] = Q[r][c]; wide case: out = Q^T, out[r][c] = Q[c][r].
      const v = transpose ? a[r * n + c] : a[c * n + r];
      out[r * cols + c] = gain * v;
    }
  }
  return out;
}

/** torch.nn.Linear's default: U(-1/sqrt(fanIn), 1/sqrt(fanIn)) (kaiming_uniform with a=sqrt(5)). */
export function torchLinearDefault(n: number, fanIn: number, rng: Rng): Float32Array {
  const bound = 1 / Math.sqrt(fanIn);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-bound, bound);
  return out;
}
