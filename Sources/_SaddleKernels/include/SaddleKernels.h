#ifndef SADDLE_KERNELS_H
#define SADDLE_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction-set paths of the GEMM microkernels.
typedef enum {
  /// No C microkernel: the caller should use its portable implementation.
  SADDLE_KERNEL_PATH_PORTABLE = 0,
  /// 6x16 register tile with AVX2 + FMA (8-lane single precision).
  SADDLE_KERNEL_PATH_AVX2_FMA = 1,
  /// 12x32, 8x32 and 16x16 register tiles with AVX-512F (16-lane single precision), by shape.
  SADDLE_KERNEL_PATH_AVX512 = 2,
} saddle_kernel_path;

/// The fastest path this CPU supports, detected once with `__builtin_cpu_supports` on x86;
/// SADDLE_KERNEL_PATH_PORTABLE on every other architecture (the C paths are x86-only, and the
/// caller's portable implementation runs there).
int saddle_kernels_best_path(void);

/// Row-major single-precision GEMM on an explicit path with a row-vector bias fused into the
/// epilogue: C = alpha * op(A) * op(B) + beta * C + 1 * bias^T, op(X) = X or X^T, op(A) is MxK,
/// op(B) is KxN, bias has n entries (NULL for none). When beta == 0, C is not read (it may hold
/// NaN). Returns 0 on success and -1 when the CPU lacks the path (or the path is
/// SADDLE_KERNEL_PATH_PORTABLE), in which case C is untouched.
int saddle_sgemm_bias_path(int path, int trans_a, int trans_b, long m, long n, long k,
                           float alpha, const float *a, long lda, const float *b, long ldb,
                           float beta, float *c, long ldc, const float *bias);

/// The same GEMM with an elementwise product in the epilogue instead of a bias:
/// C = (alpha * op(A) * op(B)) .* M, M being m x n with row stride ldm (C is not read). Each entry
/// rounds exactly as the plain GEMM followed by a separate multiplication pass would (used for
/// a gradient through an activation: dX = (dY * W^T) .* f'(Z)). Returns -1 like
/// saddle_sgemm_bias_path.
int saddle_sgemm_multiply_path(int path, int trans_a, int trans_b, long m, long n, long k,
                               float alpha, const float *a, long lda, const float *b, long ldb,
                               float *c, long ldc, const float *mult, long ldm);

/// GELU (tanh approximation) `y = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))` over n values;
/// writes dy/dx too when `derivative` is not NULL. Returns -1 (nothing written) on the portable
/// path or an unsupported one.
int saddle_gelu(int path, long n, const float *x, float *y, float *derivative);

/// Row-wise softmax `y[r, j] = exp(x[r, j] - max) / sum` over the first `len(r)` entries
/// (`len(r) = min(r + 1, n)` when `causal`, else n); later entries of y are set to 0. `x` and `y`
/// may alias. When `log_sum_exp` is not NULL it receives `log sum_j exp(x[r, j])` per row.
/// Returns -1 (nothing written) on the portable path or an unsupported one.
int saddle_softmax_rows(int path, long rows, long n, const float *x, long ldx, float *y, long ldy,
                        int causal, float *log_sum_exp);

/// Causal softmax of a block of rows, in place: row r of the block is row `first_row + r` of a
/// causal matrix, so it covers its first `len = min(first_row + r + 1, n)` entries
/// (`s[r, j] = exp(s[r, j] - max) / sum` there) and its entries `len <= j < n` are set to 0.
/// Returns -1 (nothing written) on the portable path or an unsupported one.
int saddle_causal_softmax_block(int path, long rows, long first_row, long n, float *s, long ld);

/// Causal softmax backward of a block of rows, in place on `d` (the gradient of the
/// probabilities `p` on entry): with `len` as in `saddle_causal_softmax_block`,
/// `d[r, j] = alpha p[r, j] (d[r, j] - sum_{l < len} p[r, l] d[r, l])` for `j < len`, and 0 for
/// `len <= j < n`. Returns -1 (nothing written) on the portable path or an unsupported one.
int saddle_causal_softmax_backward_block(int path, long rows, long first_row, long n, float alpha,
                                         const float *p, long ldp, float *d, long ldd);

/// Elementwise `y = a + b` (op 0) or `y = a * b` (op 1) over n floats, or `y += a op b` when
/// `accumulate`; `y` may alias `a` or `b`. Each entry rounds as the scalar expression does (no
/// fused multiply-add). Returns -1 (nothing written) on the portable path, an unsupported one or
/// an unknown op.
int saddle_binary(int path, int op, long n, const float *a, const float *b, float *y,
                  int accumulate);

/// Column sums added to `y`: `y[j] += sum_r x[r * n + j]` over `rows` rows of n floats, the rows
/// added in order (a bias gradient). Returns -1 (nothing written) on the portable path or an
/// unsupported one.
int saddle_sum_rows(int path, long rows, long n, const float *x, float *y);

/// LayerNorm over `rows` rows of `n` floats: `y = (x - mean) / sqrt(var + eps) * gain + bias`,
/// `statistics` receives (mean, 1/sqrt(var + eps)) per row. Returns -1 (nothing written) unless
/// n is a multiple of 16 and the path is a supported C path.
int saddle_layernorm_forward(int path, long rows, long n, const float *x, const float *gain,
                             const float *bias, float epsilon, float *y, float *statistics);

/// LayerNorm backward: `dx = rstd (dy*gain - mean(dy*gain) - xhat mean(dy*gain*xhat))`
/// (written, or added when `accumulate`; skipped when dx is NULL), `dgain += dy*xhat`,
/// `dbias += dy` (each skipped when NULL). Same conditions and return value as the forward.
int saddle_layernorm_backward(int path, long rows, long n, const float *x, const float *gain,
                              const float *statistics, const float *dy, float *dx, int accumulate,
                              float *dgain, float *dbias);

#ifdef __cplusplus
}
#endif

// The fused optimizer-update kernels (Adam), in their own header.
#include "saddle_update.h"

#endif
