#ifndef SADDLE_UPDATE_H
#define SADDLE_UPDATE_H

#ifdef __cplusplus
extern "C" {
#endif

/// The widest instruction set this CPU has for the update kernels, detected once at run time:
/// 0 portable C, 1 AVX2, 2 AVX-512F (always 0 off x86).
int saddle_adam_path(void);

/// One fused Adam step over elements [lo, hi) with the final parameter update, on `path`:
///   m = b1*m + omb1*g;  v = b2*v + omb2*(g*g);
///   d = step*m / (sqrt(max(v*c2, 0)) + eps);  p' = p - scale*d
/// with every operation rounded as written (no fused multiply-add), so all paths and
/// SaddleKit's Swift lane loop give the same bits. An element whose p' is not finite keeps p.
/// Returns the first such index, or -1; -2 if the CPU lacks `path`. (A program of Adam alone
/// ending in the update runs this loop.)
long saddle_adam_update_path(int path, const float *g, float *p, float *m, float *v, long lo,
                             long hi, float b1, float b2, float omb1, float omb2, float step,
                             float c2, float eps, float scale);

/// Operations of an elementwise block program (see `saddle_program_run_path`). Each transforms the
/// direction d element by element, rounding every operation as written (no FMA contraction),
/// exactly as the matching SaddleKit Swift kernel does.
typedef enum {
  /// d = d + a*p (weight decay, rate a).
  SADDLE_OP_WEIGHT_DECAY = 1,
  /// d = a*d (scale, SGD).
  SADDLE_OP_SCALE = 2,
  /// d = a if d > a; then d = -a if d < -a (clip by value; NaN stays NaN).
  SADDLE_OP_CLIP = 3,
  /// Adam: x = m, y = v; a = b1, b = b2, c = 1-b1, e = 1-b2, f = step, g = c2, h = eps:
  /// m = a*m + c*d; v = b*v + e*(d*d); d = f*m / (sqrt(max(v*g, 0)) + h).
  SADDLE_OP_ADAM = 4,
  /// Heavy-ball momentum: x = b; a = eta, b = mu; b = mu*b + d;
  /// d = eta*(d + mu*b) if flag (look-ahead), else eta*b.
  SADDLE_OP_MOMENTUM = 5,
  /// Adagrad (flag 0: v = v + d*d) or RMSProp (flag 1: v = a*v + c*(d*d)); x = v; when y is
  /// not NULL (centered RMSProp) also m = a*m + c*d and the variance is v - m*m, else v;
  /// d = f*d / (sqrt(max(variance + g, 0)) + h).
  SADDLE_OP_ADAPTIVE = 6,
  /// Lion: x = m; a = eta, b = b1, c = b2, e = 1-b1, f = 1-b2, g = decay;
  /// u = b*m + e*d; m = c*m + f*d; d = eta*sign(u) + g*p (sign(0) = ±0, sign(NaN) = NaN).
  SADDLE_OP_LION = 7,
} saddle_op_kind;

/// One operation: its kind, a flag, up to eight scalars and two per-element state arrays.
typedef struct {
  int kind;
  int flag;
  float a, b, c, e, f, g, h, reserved;
  float *x;
  float *y;
} saddle_op;

/// Most operations a program holds.
#define SADDLE_PROGRAM_CAPACITY 16

/// A fixed-size list of operations (a value: building one allocates nothing).
typedef struct {
  int count;
  saddle_op ops[SADDLE_PROGRAM_CAPACITY];
} saddle_program;

/// Runs `program` over elements [lo, hi) in cache-resident blocks, one pass over memory, on
/// `path` (0 portable, 1 AVX2, 2 AVX-512F; `saddle_adam_path()` is the widest this CPU has).
/// The direction is read from `src`. When `update` is 1, ends each block in p' = p - scale*d,
/// where an element whose p' is not finite keeps p; returns the first such index, or -1.
/// When `update` is 0, writes d to `dst` (which may equal `src`) and returns -1. Every path
/// gives the same bits. Returns -2 if the CPU lacks `path`.
long saddle_program_run_path(int path, const saddle_program *program, const float *src,
                             float *dst, float *p, long lo, long hi, float scale, int update);

#ifdef __cplusplus
}
#endif

#endif
