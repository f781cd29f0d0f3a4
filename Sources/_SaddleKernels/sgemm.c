// Single-precision GEMM in the Goto/BLIS loop order with AVX2+FMA (6x16) and AVX-512 (12x32,
// 8x32, 16x16) register tiles chosen at run time (the AVX-512 tile per call, by shape: every
// tile rounds each entry the same way, so the choice never changes a bit). The x86 parts are
// compiled only for x86; elsewhere `saddle_kernels_best_path` reports the portable path and the
// Swift caller uses its own kernel. A is read in place (its tiles are small and reused from L1)
// unless its rows are a multiple of 4 KiB apart (the rows of a tile would then share one L1 set
// and evict each other): then it is packed into micro-panels. B is packed into contiguous
// panels when transposed, at a partial right edge, or when both m and n are at least 256 (its
// panels are then reused over many row tiles). The pack buffers are thread-local and allocated
// once per thread: steady-state calls never allocate. Optional epilogues: a bias row, and an
// elementwise factor matrix (`mult`, row stride `ldm`) applied once a tile's sum is complete.
#include "SaddleKernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define SADDLE_X86 1
#include <immintrin.h>
#else
#define SADDLE_X86 0
#endif

// Blocking measured on a Zen 4 core (`saddle bench transformer`'s 1024^3 probe and the
// Transformer's shapes): KC = 384 keeps the k = 384 products of nanoGPT in one block.
enum { KC = 384, MC = 144, NC = 1024 };

// A is read in place: element (r, kk) of the tile is a[r * rsa + kk * csa] (rows r >= m repeat
// row m - 1, whose results are never stored). b points at kc rows of nr floats with row stride
// ldb (a packed panel has ldb = nr).
typedef void (*microkernel_fn)(long kc, const float *a, long rsa, long csa, const float *b,
                               long ldb, float *c, long ldc, float alpha, float beta,
                               const float *bias, int m, int n, const float *mult, long ldm);

// MARK: - CPU detection

int saddle_kernels_best_path(void) {
#if SADDLE_X86
  static int cached = -1;
  if (cached >= 0) return cached;
  __builtin_cpu_init();
  int path = SADDLE_KERNEL_PATH_PORTABLE;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    path = SADDLE_KERNEL_PATH_AVX2_FMA;
    if (__builtin_cpu_supports("avx512f")) path = SADDLE_KERNEL_PATH_AVX512;
  }
  cached = path;
  return path;
#else
  // No C microkernel for this architecture: the Swift portable path runs.
  return SADDLE_KERNEL_PATH_PORTABLE;
#endif
}

#if SADDLE_X86

// MARK: - Packing

static void pack_b(int trans, const float *b, long ldb, long k0, long kc, long j0, long nc,
                   int nr, float *restrict out) {
  for (long q = 0; q < nc; q += nr) {
    long cols = nc - q < nr ? nc - q : nr;
    if (!trans) {
      for (long kk = 0; kk < kc; kk++) {
        const float *src = b + (k0 + kk) * ldb + j0 + q;
        float *dst = out + kk * nr;
        // Constant-size copies are inlined; a variable-size loop becomes a memcpy call per row.
        if (cols == 32 && nr == 32) {
          __builtin_memcpy(dst, src, 32 * sizeof(float));
        } else if (cols == 16 && nr == 16) {
          __builtin_memcpy(dst, src, 16 * sizeof(float));
        } else {
          // Short variable-length loops; the empty asm keeps them from becoming memcpy/memset
          // calls (a call per packed row cost ~9% of the reference model's time).
          for (long c = 0; c < cols; c++) {
            dst[c] = src[c];
            __asm__ volatile("");
          }
          for (long c = cols; c < nr; c++) {
            dst[c] = 0;
            __asm__ volatile("");
          }
        }
      }
    } else {
      for (long c = 0; c < cols; c++) {
        const float *src = b + (j0 + q + c) * ldb + k0;
        for (long kk = 0; kk < kc; kk++) out[kk * nr + c] = src[kk];
      }
      for (long c = cols; c < nr; c++)
        for (long kk = 0; kk < kc; kk++) out[kk * nr + c] = 0;
    }
    out += kc * nr;
  }
}

// Packs rows [i0, i0 + mc) x columns [k0, k0 + kc) of op(A) into mr-row micro-panels: panel t
// holds, for each kk, the mr values of rows i0 + t*mr ... contiguously (a partial last panel
// repeats its last valid row; those results are never stored).
static void pack_a(int trans, const float *a, long lda, long i0, long mc, long k0, long kc,
                   int mr, float *restrict out) {
  for (long t = 0; t < mc; t += mr) {
    int rows = (int)(mc - t < mr ? mc - t : mr);
    if (!trans) {
      const float *src[32];
      for (int r = 0; r < mr; r++) src[r] = a + (i0 + t + (r < rows ? r : rows - 1)) * lda + k0;
      for (long kk = 0; kk < kc; kk++) {
        float *dst = out + kk * mr;
        for (int r = 0; r < mr; r++) dst[r] = src[r][kk];
      }
    } else {
      for (long kk = 0; kk < kc; kk++) {
        const float *src = a + (k0 + kk) * lda + i0 + t;
        float *dst = out + kk * mr;
        for (int r = 0; r < rows; r++) dst[r] = src[r];
        for (int r = rows; r < mr; r++) dst[r] = src[rows - 1];
      }
    }
    out += kc * mr;
  }
}

// 16x16 transpose in registers: r[i][j] becomes r[j][i].
__attribute__((target("avx512f"))) static inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; i++) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; i++) {
    r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (int i = 0; i < 4; i++) {
    t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD);
    t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xDD);
  }
  for (int i = 0; i < 4; i++) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
    r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xDD);
  }
}

// pack_b for a transposed B (B^T stored n x k) with 16x16 register transposes: the same
// packed layout as the scalar loop (columns past the panel's edge are zero), without its
// strided single-float stores (the scalar loop was ~5% of a 10 M-parameter gradient).
__attribute__((target("avx512f"))) static void pack_b_trans_avx512(
    const float *b, long ldb, long k0, long kc, long j0, long nc, int nr, float *restrict out) {
  for (long q = 0; q < nc; q += nr) {
    long cols = nc - q < nr ? nc - q : nr;
    for (long c0 = 0; c0 < nr; c0 += 16) {
      long cc = cols - c0;  // valid source rows (output columns) in this group of 16
      const float *src = b + (j0 + q + c0) * ldb + k0;
      for (long kk = 0; kk < kc; kk += 16) {
        long kr = kc - kk < 16 ? kc - kk : 16;
        __mmask16 km = kr == 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << kr) - 1);
        __m512 r[16];
        for (int i = 0; i < 16; i++)
          r[i] = i < cc ? _mm512_maskz_loadu_ps(km, src + i * ldb + kk) : _mm512_setzero_ps();
        transpose16(r);
        for (int i = 0; i < kr; i++) _mm512_storeu_ps(out + (kk + i) * nr + c0, r[i]);
      }
    }
    out += kc * nr;
  }
}

// Writes alpha * tile + bias[j] (+ beta * C) for the valid m x n corner of an mr x nr tile,
// rounded as the full-tile vector epilogue rounds it (two FMAs), so edge and interior entries
// of a product get the same arithmetic.
__attribute__((target("avx2,fma"))) static void store_edge(const float *tile, int nr, float *c,
                                                           long ldc, float alpha, float beta,
                                                           const float *bias, int m, int n,
                                                           const float *mult, long ldm) {
  for (int r = 0; r < m; r++)
    for (int j = 0; j < n; j++) {
      float v = __builtin_fmaf(alpha, tile[r * nr + j], bias ? bias[j] : 0.0f);
      if (beta != 0.0f) v = __builtin_fmaf(beta, c[r * ldc + j], v);
      if (mult) v *= mult[r * ldm + j];
      c[r * ldc + j] = v;
    }
}

// MARK: - AVX2 + FMA 6x16

__attribute__((target("avx2,fma"))) static void kernel_avx2_6x16(
    long kc, const float *a, long rsa, long csa, const float *b, long ldb, float *c, long ldc,
    float alpha, float beta, const float *bias, int m, int n, const float *mult, long ldm) {
  __m256 acc[6][2];
  long off[6];
  for (int r = 0; r < 6; r++) off[r] = (r < m ? r : m - 1) * rsa;
  for (int r = 0; r < 6; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (long kk = 0; kk < kc; kk++) {
    __m256 b0 = _mm256_loadu_ps(b + kk * ldb), b1 = _mm256_loadu_ps(b + kk * ldb + 8);
    const float *ak = a + kk * csa;
#define ROW(r)                                               \
  {                                                          \
    __m256 av = _mm256_broadcast_ss(ak + off[r]);               \
    acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);          \
    acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);          \
  }
    ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5)
#undef ROW
  }
  __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  if (m == 6 && n == 16) {
    __m256 bias0 = bias ? _mm256_loadu_ps(bias) : _mm256_setzero_ps();
    __m256 bias1 = bias ? _mm256_loadu_ps(bias + 8) : _mm256_setzero_ps();
    for (int r = 0; r < 6; r++) {
      float *cr = c + r * ldc;
      __m256 v0 = _mm256_fmadd_ps(va, acc[r][0], bias0), v1 = _mm256_fmadd_ps(va, acc[r][1], bias1);
      if (beta != 0.0f) {
        v0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(cr), v0);
        v1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(cr + 8), v1);
      }
      if (mult) {
        v0 = _mm256_mul_ps(v0, _mm256_loadu_ps(mult + r * ldm));
        v1 = _mm256_mul_ps(v1, _mm256_loadu_ps(mult + r * ldm + 8));
      }
      _mm256_storeu_ps(cr, v0);
      _mm256_storeu_ps(cr + 8, v1);
    }
  } else {
    float tile[6 * 16] __attribute__((aligned(32)));
    for (int r = 0; r < 6; r++) {
      _mm256_store_ps(tile + r * 16, acc[r][0]);
      _mm256_store_ps(tile + r * 16 + 8, acc[r][1]);
    }
    store_edge(tile, 16, c, ldc, alpha, beta, bias, m, n, mult, ldm);
  }
}

// MARK: - AVX-512 12x32 and 8x32

// An mr x 32 tile (mr = 12, or 8 for row counts that are multiples of 8 but not of 12, e.g. 64
// or 256, so no padding rows are computed): the same per-element arithmetic for both, so the
// choice between them never changes a result bit. Called with a constant mr and fully unrolled,
// so every accumulator index is a constant and the tile stays in registers (a loop over acc[r]
// that is not unrolled spills the whole tile to the stack, a 1.5 KB store per call).
__attribute__((target("avx512f"), always_inline)) static inline void tile_avx512_x32(
    const int mr, long kc, const float *a, long rsa, long csa, const float *b, long ldb,
    float *c, long ldc, float alpha, float beta, const float *bias, int m, int n,
    const float *mult, long ldm) {
  __m512 acc[12][2];
  long off[12];
#pragma clang loop unroll(full)
  for (int r = 0; r < mr; r++) off[r] = (r < m ? r : m - 1) * rsa;
#pragma clang loop unroll(full)
  for (int r = 0; r < mr; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (long kk = 0; kk < kc; kk++) {
    __m512 b0 = _mm512_loadu_ps(b + kk * ldb), b1 = _mm512_loadu_ps(b + kk * ldb + 16);
    const float *ak = a + kk * csa;
#pragma clang loop unroll(full)
    for (int r = 0; r < mr; r++) {
      __m512 av = _mm512_set1_ps(ak[off[r]]);
      acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
    }
  }
  __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  // Masked loads and stores cover partial tiles (n < 32 columns) without a scalar path.
  __mmask16 k0 = n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1);
  __mmask16 k1 = n >= 32 ? (__mmask16)0xFFFF : (n > 16 ? (__mmask16)((1u << (n - 16)) - 1) : 0);
  __m512 bias0 = bias ? _mm512_maskz_loadu_ps(k0, bias) : _mm512_setzero_ps();
  __m512 bias1 = bias ? _mm512_maskz_loadu_ps(k1, bias + 16) : _mm512_setzero_ps();
  int has_beta = beta != 0.0f;
#pragma clang loop unroll(full)
  for (int r = 0; r < mr; r++) {
    if (r >= m) continue;
    float *cr = c + r * ldc;
    __m512 v0 = _mm512_fmadd_ps(va, acc[r][0], bias0);
    __m512 v1 = _mm512_fmadd_ps(va, acc[r][1], bias1);
    if (has_beta) {
      v0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(k0, cr), v0);
      v1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(k1, cr + 16), v1);
    }
    if (mult) {
      v0 = _mm512_mul_ps(v0, _mm512_maskz_loadu_ps(k0, mult + r * ldm));
      v1 = _mm512_mul_ps(v1, _mm512_maskz_loadu_ps(k1, mult + r * ldm + 16));
    }
    _mm512_mask_storeu_ps(cr, k0, v0);
    _mm512_mask_storeu_ps(cr + 16, k1, v1);
  }
}

__attribute__((target("avx512f"))) static void kernel_avx512_12x32(
    long kc, const float *a, long rsa, long csa, const float *b, long ldb, float *c, long ldc,
    float alpha, float beta, const float *bias, int m, int n, const float *mult, long ldm) {
  tile_avx512_x32(12, kc, a, rsa, csa, b, ldb, c, ldc, alpha, beta, bias, m, n, mult, ldm);
}

__attribute__((target("avx512f"))) static void kernel_avx512_8x32(
    long kc, const float *a, long rsa, long csa, const float *b, long ldb, float *c, long ldc,
    float alpha, float beta, const float *bias, int m, int n, const float *mult, long ldm) {
  tile_avx512_x32(8, kc, a, rsa, csa, b, ldb, c, ldc, alpha, beta, bias, m, n, mult, ldm);
}

// MARK: - AVX-512 16x16 (products with at most 16 columns, e.g. attention heads of width 16)

// The same arithmetic per element as the 12x32 tile (a k-ordered FMA chain from 0, then
// alpha * acc + bias, then + beta * C), so results do not depend on which tile computed them.
__attribute__((target("avx512f"))) static void kernel_avx512_16x16(
    long kc, const float *a, long rsa, long csa, const float *b, long ldb, float *c, long ldc,
    float alpha, float beta, const float *bias, int m, int n, const float *mult, long ldm) {
  __m512 acc[16];
  long off[16];
  for (int r = 0; r < 16; r++) off[r] = (r < m ? r : m - 1) * rsa;
  for (int r = 0; r < 16; r++) acc[r] = _mm512_setzero_ps();
  for (long kk = 0; kk < kc; kk++) {
    __m512 b0 = _mm512_loadu_ps(b + kk * ldb);
    const float *ak = a + kk * csa;
#define ROW(r) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(ak[off[r]]), b0, acc[r]);
    ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7)
    ROW(8) ROW(9) ROW(10) ROW(11) ROW(12) ROW(13) ROW(14) ROW(15)
#undef ROW
  }
  __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  __mmask16 k0 = n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1);
  __m512 bias0 = bias ? _mm512_maskz_loadu_ps(k0, bias) : _mm512_setzero_ps();
  int has_beta = beta != 0.0f;
#define STORE(r)                                                                \
  if (r < m) {                                                                  \
    float *cr = c + r * ldc;                                                    \
    __m512 v0 = _mm512_fmadd_ps(va, acc[r], bias0);                             \
    if (has_beta) v0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(k0, cr), v0);  \
    if (mult) v0 = _mm512_mul_ps(v0, _mm512_maskz_loadu_ps(k0, mult + r * ldm)); \
    _mm512_mask_storeu_ps(cr, k0, v0);                                          \
  }
  STORE(0) STORE(1) STORE(2) STORE(3) STORE(4) STORE(5) STORE(6) STORE(7)
  STORE(8) STORE(9) STORE(10) STORE(11) STORE(12) STORE(13) STORE(14) STORE(15)
#undef STORE
}

// MARK: - Driver

static _Thread_local float *tls_pack_b = NULL;
static _Thread_local float *tls_pack_a = NULL;

static int ensure_buffers(void) {
  if (tls_pack_b == NULL) tls_pack_b = aligned_alloc(64, sizeof(float) * (size_t)KC * (NC + 32));
  if (tls_pack_a == NULL) tls_pack_a = aligned_alloc(64, sizeof(float) * (size_t)KC * (MC + 32));
  return tls_pack_b != NULL && tls_pack_a != NULL;
}

static void scale_c(long m, long n, float beta, float *c, long ldc, const float *bias) {
  for (long i = 0; i < m; i++)
    for (long j = 0; j < n; j++)
      c[i * ldc + j] = (beta == 0.0f ? 0.0f : beta * c[i * ldc + j]) + (bias ? bias[j] : 0.0f);
}

// With `mult`, every finished tile of C is multiplied elementwise by the matching tile of
// `mult` (row stride ldm) in the microkernel's epilogue.
static void sgemm_driver(microkernel_fn kernel, int mr, int nr, int avx512_pack, int trans_a,
                         int trans_b, long m, long n, long k, float alpha, const float *a,
                         long lda, const float *b, long ldb, float beta, float *c, long ldc,
                         const float *bias, const float *mult, long ldm) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0f) {
    scale_c(m, n, beta, c, ldc, bias);
    if (mult)
      for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++) c[i * ldc + j] *= mult[i * ldm + j];
    return;
  }
  float *pb = tls_pack_b;
  long mc_block = (MC / mr) * mr;
  // Packing B pays when its panels are reused over many row tiles; packing A pays when its
  // rows are a multiple of 4 KiB apart, so that the rows of one tile share one L1 set (a
  // 1024 x 1024 operand), which reading in place then thrashes.
  int pack_all_b = m >= 256 && n >= 256;
  int packa = !trans_a && lda % 1024 == 0;
  for (long jc = 0; jc < n; jc += NC) {
    long nc = n - jc < NC ? n - jc : NC;
    for (long pc = 0; pc < k; pc += KC) {
      long kc = k - pc < KC ? k - pc : KC;
      float beta_block = pc == 0 ? beta : 1.0f;
      // Full-width panels of an untransposed B are read in place unless `pack_all_b`.
      int direct = !trans_b && !pack_all_b;
      long packed_from = direct ? (nc / nr) * nr : 0;
      if (packed_from < nc) {
        if (trans_b && avx512_pack)
          pack_b_trans_avx512(b, ldb, pc, kc, jc + packed_from, nc - packed_from, nr, pb);
        else
          pack_b(trans_b, b, ldb, pc, kc, jc + packed_from, nc - packed_from, nr, pb);
      }
      for (long ic = 0; ic < m; ic += mc_block) {
        long mc = m - ic < mc_block ? m - ic : mc_block;
        if (packa) pack_a(trans_a, a, lda, ic, mc, pc, kc, mr, tls_pack_a);
        for (long jr = 0; jr < nc; jr += nr) {
          int cols = (int)(nc - jr < nr ? nc - jr : nr);
          const float *bp = jr < packed_from ? b + pc * ldb + jc + jr
                                             : pb + ((jr - packed_from) / nr) * kc * nr;
          long bstride = jr < packed_from ? ldb : nr;
          for (long ir = 0; ir < mc; ir += mr) {
            int rows = (int)(mc - ir < mr ? mc - ir : mr);
            long i0 = ic + ir;
            const float *ap = packa ? tls_pack_a + (ir / mr) * kc * mr
                              : trans_a ? a + pc * lda + i0 : a + i0 * lda + pc;
            long rsa = packa ? 1 : trans_a ? 1 : lda, csa = packa ? mr : trans_a ? lda : 1;
            // The elementwise factor applies once the tile's sum is complete (last depth
            // block), in the microkernel's epilogue while the tile is in registers.
            const float *mt = mult && pc + kc == k ? mult + i0 * ldm + jc + jr : NULL;
            if (mt)  // usually cold (written long before): fetch it while the kernel runs
              for (int r = 0; r < rows; r++)
                for (int j = 0; j < cols; j += 16) __builtin_prefetch(mt + r * ldm + j);
            kernel(kc, ap, rsa, csa, bp, bstride,
                   c + i0 * ldc + jc + jr, ldc, alpha, beta_block,
                   bias && pc == 0 ? bias + jc + jr : NULL, rows, cols, mt, ldm);
          }
        }
      }
    }
  }
}

#endif  // SADDLE_X86

#if SADDLE_X86
static int sgemm_dispatch(int path, int trans_a, int trans_b, long m, long n, long k, float alpha,
                          const float *a, long lda, const float *b, long ldb, float beta, float *c,
                          long ldc, const float *bias, const float *mult, long ldm) {
  int best = saddle_kernels_best_path();
  if (path == SADDLE_KERNEL_PATH_PORTABLE || path > best || !ensure_buffers()) return -1;
  if (path == SADDLE_KERNEL_PATH_AVX512) {
    // 16x16 for at most 16 columns; 8x32 when it computes fewer padding rows than 12x32.
    microkernel_fn kernel = kernel_avx512_12x32;
    int mr = 12, nr = 32;
    if (n <= 16)
      kernel = kernel_avx512_16x16, mr = 16, nr = 16;
    else if (m <= 256 && (m + 7) / 8 * 8 < (m + 11) / 12 * 12)
      kernel = kernel_avx512_8x32, mr = 8;
    sgemm_driver(kernel, mr, nr, 1, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                 bias, mult, ldm);
  } else {
    sgemm_driver(kernel_avx2_6x16, 6, 16, 0, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta,
                 c, ldc, bias, mult, ldm);
  }
  return 0;
}
#endif  // SADDLE_X86

int saddle_sgemm_bias_path(int path, int trans_a, int trans_b, long m, long n, long k,
                           float alpha, const float *a, long lda, const float *b, long ldb,
                           float beta, float *c, long ldc, const float *bias) {
#if !SADDLE_X86
  (void)path, (void)trans_a, (void)trans_b, (void)m, (void)n, (void)k, (void)alpha, (void)a;
  (void)lda, (void)b, (void)ldb, (void)beta, (void)c, (void)ldc, (void)bias;
  return -1;
#else
  return sgemm_dispatch(path, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias,
                        NULL, 0);
#endif
}

int saddle_sgemm_multiply_path(int path, int trans_a, int trans_b, long m, long n, long k,
                               float alpha, const float *a, long lda, const float *b, long ldb,
                               float *c, long ldc, const float *mult, long ldm) {
#if !SADDLE_X86
  (void)path, (void)trans_a, (void)trans_b, (void)m, (void)n, (void)k, (void)alpha, (void)a;
  (void)lda, (void)b, (void)ldb, (void)c, (void)ldc, (void)mult, (void)ldm;
  return -1;
#else
  return sgemm_dispatch(path, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, 0.0f, c, ldc, NULL,
                        mult, ldm);
#endif
}
