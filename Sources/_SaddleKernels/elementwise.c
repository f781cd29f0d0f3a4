// Elementwise and row kernels (GELU, softmax) written once with clang vector extensions and
// compiled per instruction set: an always-inline generic body is inlined into wrappers carrying
// `target("avx512f")` or `target("avx2,fma")`, so one source yields both code paths. The
// target-attributed wrappers exist only on x86; elsewhere every entry point returns -1 and the
// Swift caller runs its portable path.
#include "SaddleKernels.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define SADDLE_X86 1
#else
#define SADDLE_X86 0
#endif

// The vector helpers below are always inlined into their target-specific callers, so the
// by-value vector ABI they would otherwise have never materializes.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float v16 __attribute__((vector_size(64), aligned(4)));
typedef int v16i __attribute__((vector_size(64), aligned(4)));

#define INLINE static inline __attribute__((always_inline, unused))

INLINE v16 load16(const float *p) {
  v16 v;
  memcpy(&v, p, sizeof v);
  return v;
}

INLINE void store16(float *p, v16 v) { memcpy(p, &v, sizeof v); }

INLINE v16 splat(float x) { return (v16){0} + x; }

// e^x: x = n ln2 + r, Cephes expf polynomial for e^r, 2^n from exponent bits.
INLINE v16 v_exp(v16 x) {
  x = __builtin_elementwise_min(__builtin_elementwise_max(x, splat(-87.3f)), splat(88.7f));
  v16 shifted = x * 1.44269504f + 12582912.0f;
  v16 n = shifted - 12582912.0f;
  v16 r = x - n * 0.693359375f - n * -2.12194440e-4f;
  v16 p = r * 1.9875691500e-4f + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  v16i i = (v16i)shifted - 0x4B400000;
  v16 scale = (v16)((i + 127) << 23);
  return p * scale;
}

// tanh x = sign(x) (1 - t)/(1 + t), t = e^(-2|x|).
INLINE v16 v_tanh(v16 x) {
  v16i bits = (v16i)x;
  v16 magnitude = (v16)(bits & 0x7FFFFFFF);
  v16 t = v_exp(-2.0f * magnitude);
  v16 r = (1.0f - t) / (1.0f + t);
  return (v16)((v16i)r | (bits & (int)0x80000000));
}

INLINE void gelu16(v16 x, v16 *value, v16 *derivative) {
  const float c = 0.7978845608f, a = 0.044715f;
  v16 x2 = x * x;
  v16 t = v_tanh(c * (x + a * x2 * x));
  *value = 0.5f * x * (1.0f + t);
  if (derivative) *derivative = 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * (c * (1.0f + 3.0f * a * x2));
}

INLINE void gelu_body(long n, const float *x, float *y, float *dydx) {
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    v16 v, d;
    gelu16(load16(x + i), &v, dydx ? &d : NULL);
    store16(y + i, v);
    if (dydx) store16(dydx + i, d);
  }
  if (i < n) {
    float in[16] = {0}, out[16], der[16];
    long m = n - i;
    memcpy(in, x + i, (size_t)m * sizeof(float));
    v16 v, d;
    gelu16(load16(in), &v, dydx ? &d : NULL);
    store16(out, v);
    memcpy(y + i, out, (size_t)m * sizeof(float));
    if (dydx) {
      store16(der, d);
      memcpy(dydx + i, der, (size_t)m * sizeof(float));
    }
  }
}

typedef float v8 __attribute__((vector_size(32), aligned(4)));
typedef float v4 __attribute__((vector_size(16), aligned(4)));

// Horizontal reductions as trees (halving the vector four times) rather than a 16-step
// dependent scalar chain.
INLINE float v_hmax(v16 v) {
  v8 a = __builtin_elementwise_max(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7),
                                   __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15));
  v4 b = __builtin_elementwise_max(__builtin_shufflevector(a, a, 0, 1, 2, 3),
                                   __builtin_shufflevector(a, a, 4, 5, 6, 7));
  float m0 = b[0] > b[2] ? b[0] : b[2], m1 = b[1] > b[3] ? b[1] : b[3];
  return m0 > m1 ? m0 : m1;
}

INLINE float v_hsum(v16 v) {
  v8 a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
         __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
  v4 b = __builtin_shufflevector(a, a, 0, 1, 2, 3) + __builtin_shufflevector(a, a, 4, 5, 6, 7);
  return (b[0] + b[2]) + (b[1] + b[3]);
}

// Lanes l < count all ones, the rest zero (count in 0...16).
INLINE v16i lanes_below(long count) {
  const v16i index = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  return index < (int)count;
}

INLINE v16 v_select(v16i mask, v16 a, v16 b) { return (v16)(((v16i)a & mask) | ((v16i)b & ~mask)); }

// Softmax of each row over its first `length` entries (length = row + 1 when causal, else n);
// entries past `length` are set to 0. Optionally stores log-sum-exp per row.
// With `first`, row r of the block is row first + r of a causal matrix (len = first + r + 1).
INLINE void softmax_body(long rows, long n, const float *x, long ldx, float *y, long ldy,
                         int causal, float *lse, long first) {
  for (long r = 0; r < rows; r++) {
    const float *xr = x + r * ldx;
    float *yr = y + r * ldy;
    long len = causal ? (first + r + 1 < n ? first + r + 1 : n) : n;
    long full = len & ~15L;
    v16 vmax = splat(-3.0e38f);
    for (long j = 0; j < full; j += 16) vmax = __builtin_elementwise_max(vmax, load16(xr + j));
    if (full < len && full + 16 <= n && x == y && ldx == ldy) {
      // In place with the partial chunk inside the row: masked vector tail (entries past len
      // are replaced before use, so whatever they hold never reaches the result).
      v16i mask = lanes_below(len - full);
      v16 tail = v_select(mask, load16(xr + full), splat(-3.0e38f));
      float top = v_hmax(__builtin_elementwise_max(vmax, tail));
      v16 vsum = splat(0);
      for (long j = 0; j < full; j += 16) {
        v16 e = v_exp(load16(xr + j) - top);
        vsum += e;
        store16(yr + j, e);
      }
      v16 e = v_select(mask, v_exp(tail - top), splat(0));
      float total = v_hsum(vsum + e);
      float inverse = 1.0f / total;
      for (long j = 0; j < full; j += 16) store16(yr + j, load16(yr + j) * inverse);
      store16(yr + full, e * inverse);
      for (long j = full + 16; j < n; j++) yr[j] = 0;
      if (lse) lse[r] = top + __builtin_logf(total);
      continue;
    }
    float top = v_hmax(vmax);
    for (long j = full; j < len; j++) top = xr[j] > top ? xr[j] : top;
    v16 vsum = splat(0);
    for (long j = 0; j < full; j += 16) {
      v16 e = v_exp(load16(xr + j) - top);
      vsum += e;
      store16(yr + j, e);
    }
    float total = v_hsum(vsum);
    if (full < len) {
      float tmp[16];
      for (int l = 0; l < 16; l++) tmp[l] = full + l < len ? xr[full + l] - top : -100.0f;
      v16 e = v_exp(load16(tmp));
      for (long j = full; j < len; j++) {
        yr[j] = e[j - full];
        total += e[j - full];
      }
    }
    float inverse = 1.0f / total;
    for (long j = 0; j < full; j += 16) store16(yr + j, load16(yr + j) * inverse);
    for (long j = full; j < len; j++) yr[j] *= inverse;
    for (long j = len; j < n; j++) yr[j] = 0;
    if (lse) {
      // ln(total) via the vector exp's inverse is not needed often: one scalar log per row.
      lse[r] = top + __builtin_logf(total);
    }
  }
}


// Causal softmax backward in place, rows first..first+rows-1 of a causal matrix: for j < len =
// first + r + 1, d[r, j] = alpha p[r, j] (d[r, j] - sum_l p[r, l] d[r, l]); for len <= j < n,
// d[r, j] = 0.
INLINE void softmax_backward_body(long rows, long first, long n, float alpha, const float *p,
                                  long ldp, float *d, long ldd) {
  for (long r = 0; r < rows; r++) {
    const float *pr = p + r * ldp;
    float *dr = d + r * ldd;
    long len = first + r + 1 < n ? first + r + 1 : n;
    long full = len & ~15L;
    v16 vdot = splat(0);
    for (long j = 0; j < full; j += 16) vdot += load16(pr + j) * load16(dr + j);
    if (full < len && full + 16 <= n) {
      // Masked vector tail inside the row's n columns (as in softmax_body).
      v16i mask = lanes_below(len - full);
      v16 pt = v_select(mask, load16(pr + full), splat(0));
      v16 dt = v_select(mask, load16(dr + full), splat(0));
      float dot = v_hsum(vdot + pt * dt);
      for (long j = 0; j < full; j += 16)
        store16(dr + j, alpha * load16(pr + j) * (load16(dr + j) - dot));
      store16(dr + full, alpha * pt * (dt - dot));
      for (long j = full + 16; j < n; j++) dr[j] = 0;
      continue;
    }
    float dot = v_hsum(vdot);
    for (long j = full; j < len; j++) dot += pr[j] * dr[j];
    for (long j = 0; j < full; j += 16)
      store16(dr + j, alpha * load16(pr + j) * (load16(dr + j) - dot));
    for (long j = full; j < len; j++) dr[j] = alpha * pr[j] * (dr[j] - dot);
    for (long j = len; j < n; j++) dr[j] = 0;
  }
}


// y = a op b (op 0: +, 1: *), or y += a op b; rounded as the Swift Vector loops round it (no
// contraction into FMAs).
INLINE void binary_body(int op, long n, const float *a, const float *b, float *y,
                        int accumulate) {
#pragma clang fp contract(off)
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    v16 va = load16(a + i), vb = load16(b + i);
    v16 v = op == 0 ? va + vb : va * vb;
    store16(y + i, accumulate ? load16(y + i) + v : v);
  }
  for (; i < n; i++) {
    float v = op == 0 ? a[i] + b[i] : a[i] * b[i];
    y[i] = accumulate ? y[i] + v : v;
  }
}

// y[j] += sum over rows r of x[r * n + j], rows added in order.
INLINE void sum_rows_body(long rows, long n, const float *x, float *y) {
#pragma clang fp contract(off)
  long j = 0;
  for (; j + 64 <= n; j += 64) {
    v16 s0 = load16(y + j), s1 = load16(y + j + 16), s2 = load16(y + j + 32),
        s3 = load16(y + j + 48);
    for (long r = 0; r < rows; r++) {
      const float *xr = x + r * n + j;
      s0 += load16(xr), s1 += load16(xr + 16), s2 += load16(xr + 32), s3 += load16(xr + 48);
    }
    store16(y + j, s0), store16(y + j + 16, s1), store16(y + j + 32, s2);
    store16(y + j + 48, s3);
  }
  for (; j + 16 <= n; j += 16) {
    v16 acc = load16(y + j);
    for (long r = 0; r < rows; r++) acc += load16(x + r * n + j);
    store16(y + j, acc);
  }
  for (; j < n; j++) {
    float acc = y[j];
    for (long r = 0; r < rows; r++) acc += x[r * n + j];
    y[j] = acc;
  }
}


// LayerNorm over rows of n floats (n a multiple of 16): y = (x - mean) * rstd * g + b with
// rstd = 1/sqrt(var + eps); stats holds (mean, rstd) per row.
INLINE void layernorm_forward_body(long rows, long n, const float *x, const float *g,
                                   const float *b, float eps, float *y, float *stats) {
  float inv_n = 1.0f / (float)n;
  for (long r = 0; r < rows; r++) {
    const float *xr = x + r * n;
    float *yr = y + r * n;
    v16 s = splat(0);
    for (long j = 0; j < n; j += 16) s += load16(xr + j);
    float mean = v_hsum(s) * inv_n;
    v16 q = splat(0);
    for (long j = 0; j < n; j += 16) {
      v16 d = load16(xr + j) - mean;
      q += d * d;
    }
    float rstd = 1.0f / __builtin_sqrtf(v_hsum(q) * inv_n + eps);
    for (long j = 0; j < n; j += 16)
      store16(yr + j, (load16(xr + j) - mean) * rstd * load16(g + j) + load16(b + j));
    stats[2 * r] = mean;
    stats[2 * r + 1] = rstd;
  }
}

// dx = rstd (dy g - mean(dy g) - xhat mean(dy g xhat)) (overwritten or accumulated);
// dgain += dy xhat and dbias += dy when not NULL.
INLINE void layernorm_backward_body(long rows, long n, const float *x, const float *g,
                                    const float *stats, const float *dy, float *dx,
                                    int accumulate, float *dgain, float *dbias) {
  float inv_n = 1.0f / (float)n;
  for (long r = 0; r < rows; r++) {
    const float *xr = x + r * n, *gr = dy + r * n;
    float mean = stats[2 * r], rstd = stats[2 * r + 1];
    v16 sd = splat(0), sdx = splat(0);
    for (long j = 0; j < n; j += 16) {
      v16 h = (load16(xr + j) - mean) * rstd;
      v16 up = load16(gr + j);
      v16 d = up * load16(g + j);
      sd += d;
      sdx += d * h;
      if (dgain) store16(dgain + j, load16(dgain + j) + up * h);
      if (dbias) store16(dbias + j, load16(dbias + j) + up);
    }
    if (!dx) continue;
    float md = v_hsum(sd) * inv_n, mdx = v_hsum(sdx) * inv_n;
    float *dr = dx + r * n;
    for (long j = 0; j < n; j += 16) {
      v16 h = (load16(xr + j) - mean) * rstd;
      v16 v = rstd * (load16(gr + j) * load16(g + j) - md - h * mdx);
      store16(dr + j, accumulate ? load16(dr + j) + v : v);
    }
  }
}

#if SADDLE_X86

__attribute__((target("avx512f"))) static void gelu_avx512(long n, const float *x, float *y,
                                                           float *d) {
  gelu_body(n, x, y, d);
}
__attribute__((target("avx2,fma"))) static void gelu_avx2(long n, const float *x, float *y,
                                                         float *d) {
  gelu_body(n, x, y, d);
}
__attribute__((target("avx512f"))) static void softmax_avx512(long rows, long n, const float *x,
                                                              long ldx, float *y, long ldy,
                                                              int causal, float *lse) {
  softmax_body(rows, n, x, ldx, y, ldy, causal, lse, 0);
}
__attribute__((target("avx2,fma"))) static void softmax_avx2(long rows, long n, const float *x,
                                                            long ldx, float *y, long ldy,
                                                            int causal, float *lse) {
  softmax_body(rows, n, x, ldx, y, ldy, causal, lse, 0);
}

__attribute__((target("avx512f"))) static void causal_softmax_avx512(long rows, long first,
                                                                     long n, float *s, long ld) {
  softmax_body(rows, n, s, ld, s, ld, 1, NULL, first);
}
__attribute__((target("avx2,fma"))) static void causal_softmax_avx2(long rows, long first, long n,
                                                                   float *s, long ld) {
  softmax_body(rows, n, s, ld, s, ld, 1, NULL, first);
}
__attribute__((target("avx512f"))) static void causal_softmax_backward_avx512(
    long rows, long first, long n, float alpha, const float *p, long ldp, float *d, long ldd) {
  softmax_backward_body(rows, first, n, alpha, p, ldp, d, ldd);
}
__attribute__((target("avx2,fma"))) static void causal_softmax_backward_avx2(
    long rows, long first, long n, float alpha, const float *p, long ldp, float *d, long ldd) {
  softmax_backward_body(rows, first, n, alpha, p, ldp, d, ldd);
}

#endif  // SADDLE_X86

int saddle_gelu(int path, long n, const float *x, float *y, float *derivative) {
#if !SADDLE_X86
  (void)path, (void)n, (void)x, (void)y, (void)derivative;
  return -1;
#else
  if (path == SADDLE_KERNEL_PATH_PORTABLE || path > saddle_kernels_best_path()) return -1;
  if (path == SADDLE_KERNEL_PATH_AVX512)
    gelu_avx512(n, x, y, derivative);
  else
    gelu_avx2(n, x, y, derivative);
  return 0;
#endif
}

int saddle_softmax_rows(int path, long rows, long n, const float *x, long ldx, float *y, long ldy,
                        int causal, float *log_sum_exp) {
#if !SADDLE_X86
  (void)path, (void)rows, (void)n, (void)x, (void)ldx, (void)y, (void)ldy, (void)causal;
  (void)log_sum_exp;
  return -1;
#else
  if (path == SADDLE_KERNEL_PATH_PORTABLE || path > saddle_kernels_best_path()) return -1;
  if (path == SADDLE_KERNEL_PATH_AVX512)
    softmax_avx512(rows, n, x, ldx, y, ldy, causal, log_sum_exp);
  else
    softmax_avx2(rows, n, x, ldx, y, ldy, causal, log_sum_exp);
  return 0;
#endif
}

#if SADDLE_X86

__attribute__((target("avx512f"))) static void ln_forward_avx512(long rows, long n, const float *x,
                                                                 const float *g, const float *b,
                                                                 float eps, float *y, float *st) {
  layernorm_forward_body(rows, n, x, g, b, eps, y, st);
}
__attribute__((target("avx2,fma"))) static void ln_forward_avx2(long rows, long n, const float *x,
                                                               const float *g, const float *b,
                                                               float eps, float *y, float *st) {
  layernorm_forward_body(rows, n, x, g, b, eps, y, st);
}
__attribute__((target("avx512f"))) static void ln_backward_avx512(
    long rows, long n, const float *x, const float *g, const float *st, const float *dy, float *dx,
    int acc, float *dg, float *db) {
  layernorm_backward_body(rows, n, x, g, st, dy, dx, acc, dg, db);
}
__attribute__((target("avx2,fma"))) static void ln_backward_avx2(
    long rows, long n, const float *x, const float *g, const float *st, const float *dy, float *dx,
    int acc, float *dg, float *db) {
  layernorm_backward_body(rows, n, x, g, st, dy, dx, acc, dg, db);
}

#endif  // SADDLE_X86

int saddle_layernorm_forward(int path, long rows, long n, const float *x, const float *gain,
                             const float *bias, float epsilon, float *y, float *statistics) {
#if !SADDLE_X86
  (void)path, (void)rows, (void)n, (void)x, (void)gain, (void)bias, (void)epsilon, (void)y;
  (void)statistics;
  return -1;
#else
  if (path == SADDLE_KERNEL_PATH_PORTABLE || path > saddle_kernels_best_path() || n % 16 != 0)
    return -1;
  if (path == SADDLE_KERNEL_PATH_AVX512)
    ln_forward_avx512(rows, n, x, gain, bias, epsilon, y, statistics);
  else
    ln_forward_avx2(rows, n, x, gain, bias, epsilon, y, statistics);
  return 0;
#endif
}

int saddle_layernorm_backward(int path, long rows, long n, const float *x, const float *gain,
                              const float *statistics, const float *dy, float *dx, int accumulate,
                              float *dgain, float *dbias) {
#if !SADDLE_X86
  (void)path, (void)rows, (void)n, (void)x, (void)gain, (void)statistics, (void)dy, (void)dx;
  (void)accumulate, (void)dgain, (void)dbias;
  return -1;
#else
  if (path == SADDLE_KERNEL_PATH_PORTABLE || path > saddle_kernels_best_path() || n % 16 != 0)
    return -1;
  if (path == SADDLE_KERNEL_PATH_AVX512)
    ln_backward_avx512(rows, n, x, gain, statistics, dy, dx, accumulate, dgain, dbias);
  else
    ln_backward_avx2(rows, n, x, gain, statistics, dy, dx, accumulate, dgain, dbias);
  return 0;
#endif
}

int saddle_causal_softmax_block(int path, long rows, long first_row, long n, float *s, long ld) {
#if !SADDLE_X86
  (void)path, (void)rows, (void)first_row, (void)n, (void)s, (void)ld;
  return -1;
#else
  if (path == SADDLE_KERNEL_PATH_PORTABLE || path > saddle_kernels_best_path()) return -1;
  if (path == SADDLE_KERNEL_PATH_AVX512)
    causal_softmax_avx512(rows, first_row, n, s, ld);
  else
    causal_softmax_avx2(rows, first_row, n, s, ld);
  return 0;
#endif
}

int saddle_causal_softmax_backward_block(int path, long rows, long first_row, long n, float alpha,
                                         const float *p, long ldp, float *d, long ldd) {
#if !SADDLE_X86
  (void)path, (void)rows, (void)first_row, (void)n, (void)alpha, (void)p, (void)ldp, (void)d;
  (void)ldd;
  return -1;
#else
  if (path == SADDLE_KERNEL_PATH_PORTABLE || path > saddle_kernels_best_path()) return -1;
  if (path == SADDLE_KERNEL_PATH_AVX512)
    causal_softmax_backward_avx512(rows, first_row, n, alpha, p, ldp, d, ldd);
  else
    causal_softmax_backward_avx2(rows, first_row, n, alpha, p, ldp, d, ldd);
  return 0;
#endif
}

#if SADDLE_X86
__attribute__((target("avx512f"))) static void binary_avx512(int op, long n, const float *a,
                                                            const float *b, float *y, int acc) {
  binary_body(op, n, a, b, y, acc);
}
__attribute__((target("avx2,fma"))) static void binary_avx2(int op, long n, const float *a,
                                                          const float *b, float *y, int acc) {
  binary_body(op, n, a, b, y, acc);
}
__attribute__((target("avx512f"))) static void sum_rows_avx512(long rows, long n, const float *x,
                                                              float *y) {
  sum_rows_body(rows, n, x, y);
}
__attribute__((target("avx2,fma"))) static void sum_rows_avx2(long rows, long n, const float *x,
                                                            float *y) {
  sum_rows_body(rows, n, x, y);
}
#endif  // SADDLE_X86

int saddle_binary(int path, int op, long n, const float *a, const float *b, float *y,
                  int accumulate) {
#if !SADDLE_X86
  (void)path, (void)op, (void)n, (void)a, (void)b, (void)y, (void)accumulate;
  return -1;
#else
  if (path == SADDLE_KERNEL_PATH_PORTABLE || path > saddle_kernels_best_path() || op < 0 ||
      op > 1)
    return -1;
  if (path == SADDLE_KERNEL_PATH_AVX512)
    binary_avx512(op, n, a, b, y, accumulate);
  else
    binary_avx2(op, n, a, b, y, accumulate);
  return 0;
#endif
}

int saddle_sum_rows(int path, long rows, long n, const float *x, float *y) {
#if !SADDLE_X86
  (void)path, (void)rows, (void)n, (void)x, (void)y;
  return -1;
#else
  if (path == SADDLE_KERNEL_PATH_PORTABLE || path > saddle_kernels_best_path()) return -1;
  if (path == SADDLE_KERNEL_PATH_AVX512)
    sum_rows_avx512(rows, n, x, y);
  else
    sum_rows_avx2(rows, n, x, y);
  return 0;
#endif
}
