// Elementwise block programs (see saddle_update.h): the built-in elementwise stages of a
// pipeline, run as one pass over memory. Each block of BLOCK elements goes through every
// operation in an L1-resident buffer, then into p' = p - scale*d. One generic body written with
// clang vector extensions, inlined into per-ISA wrappers; contraction into FMA is off so every
// path rounds exactly like the portable loop and SaddleKit's Swift kernels.
#include "saddle_update.h"
#include "vector_math.h"

#include <math.h>
#include <string.h>

#pragma clang fp contract(off)
#pragma clang diagnostic ignored "-Wpsabi"

#define INLINE static inline __attribute__((always_inline))

enum { BLOCK = 512 };

// One element of one operation, exactly as the vector bodies compute it.
INLINE float op_one(const saddle_op *op, float d, float p, long i) {
  switch (op->kind) {
  case SADDLE_OP_WEIGHT_DECAY:
    return d + op->a * p;
  case SADDLE_OP_SCALE:
    return op->a * d;
  case SADDLE_OP_CLIP:
    if (d > op->a) d = op->a;
    if (d < -op->a) d = -op->a;
    return d;
  case SADDLE_OP_ADAM: {
    float m = op->a * op->x[i] + op->c * d;
    float v = op->b * op->y[i] + op->e * (d * d);
    op->x[i] = m;
    op->y[i] = v;
    float r = v * op->g;
    return op->f * m / (sqrtf(r < 0 ? 0 : r) + op->h);
  }
  case SADDLE_OP_MOMENTUM: {
    float b = op->b * op->x[i] + d;
    op->x[i] = b;
    return op->flag ? op->a * (d + op->b * b) : op->a * b;
  }
  case SADDLE_OP_ADAPTIVE: {
    float v = op->flag ? op->a * op->x[i] + op->c * (d * d) : op->x[i] + d * d;
    op->x[i] = v;
    float variance = v;
    if (op->y) {
      float m = op->a * op->y[i] + op->c * d;
      op->y[i] = m;
      variance = v - m * m;
    }
    float inner = variance + op->g;
    return op->f * d / (sqrtf(inner < 0 ? 0 : inner) + op->h);
  }
  case SADDLE_OP_LION: {
    float old = op->x[i];
    float u = op->b * old + op->e * d;
    op->x[i] = op->c * old + op->f * d;
    float sign = u > 0 ? 1 : u < 0 ? -1 : u * 0;
    return op->a * sign + op->g * p;
  }
  default:
    return d;
  }
}

// Bitwise select: where mask, a; elsewhere b.
#define SELECT(MT, VT, mask, a, b) ((VT)(((MT)(a) & (mask)) | ((MT)(b) & ~(mask))))

// out[j] = op(in[j]) for j in [0, n) of the block starting at element `base`.
#define OP_BODY(VT, MT, W)                                                                     \
  long j = 0;                                                                                  \
  VT va = (VT){0} + op->a, vb = (VT){0} + op->b, vc = (VT){0} + op->c;                         \
  VT ve = (VT){0} + op->e, vf = (VT){0} + op->f, vg = (VT){0} + op->g, vh = (VT){0} + op->h;  \
  VT zero = (VT){0};                                                                           \
  switch (op->kind) {                                                                          \
  case SADDLE_OP_WEIGHT_DECAY:                                                                 \
    for (; j + W <= n; j += W) {                                                               \
      VT d, pv;                                                                                \
      memcpy(&d, in + j, sizeof d);                                                            \
      memcpy(&pv, p + base + j, sizeof pv);                                                    \
      d = d + va * pv;                                                                         \
      memcpy(out + j, &d, sizeof d);                                                           \
    }                                                                                          \
    break;                                                                                     \
  case SADDLE_OP_SCALE:                                                                        \
    for (; j + W <= n; j += W) {                                                               \
      VT d;                                                                                    \
      memcpy(&d, in + j, sizeof d);                                                            \
      d = va * d;                                                                              \
      memcpy(out + j, &d, sizeof d);                                                           \
    }                                                                                          \
    break;                                                                                     \
  case SADDLE_OP_CLIP: {                                                                       \
    VT na = -va;                                                                               \
    for (; j + W <= n; j += W) {                                                               \
      VT d;                                                                                    \
      memcpy(&d, in + j, sizeof d);                                                            \
      d = SELECT(MT, VT, d > va, va, d);                                                       \
      d = SELECT(MT, VT, d < na, na, d);                                                       \
      memcpy(out + j, &d, sizeof d);                                                           \
    }                                                                                          \
    break;                                                                                     \
  }                                                                                            \
  case SADDLE_OP_ADAM: {                                                                       \
    float *mp = op->x + base, *vp = op->y + base;                                              \
    for (; j + W <= n; j += W) {                                                               \
      VT d, m, v;                                                                              \
      memcpy(&d, in + j, sizeof d);                                                            \
      memcpy(&m, mp + j, sizeof m);                                                            \
      memcpy(&v, vp + j, sizeof v);                                                            \
      ADAM_VECTOR(VT, MT, d, m, v, va, vb, vc, ve, vf, vg, vh, zero, d);                       \
      memcpy(mp + j, &m, sizeof m);                                                            \
      memcpy(vp + j, &v, sizeof v);                                                            \
      memcpy(out + j, &d, sizeof d);                                                           \
    }                                                                                          \
    break;                                                                                     \
  }                                                                                            \
  case SADDLE_OP_MOMENTUM: {                                                                   \
    float *bp = op->x + base;                                                                  \
    for (; j + W <= n; j += W) {                                                               \
      VT d, b;                                                                                 \
      memcpy(&d, in + j, sizeof d);                                                            \
      memcpy(&b, bp + j, sizeof b);                                                            \
      b = vb * b + d;                                                                          \
      memcpy(bp + j, &b, sizeof b);                                                            \
      d = op->flag ? va * (d + vb * b) : va * b;                                               \
      memcpy(out + j, &d, sizeof d);                                                           \
    }                                                                                          \
    break;                                                                                     \
  }                                                                                            \
  case SADDLE_OP_ADAPTIVE: {                                                                   \
    float *vp = op->x + base, *mp = op->y ? op->y + base : 0;                                  \
    for (; j + W <= n; j += W) {                                                               \
      VT d, v;                                                                                 \
      memcpy(&d, in + j, sizeof d);                                                            \
      memcpy(&v, vp + j, sizeof v);                                                            \
      v = op->flag ? va * v + vc * (d * d) : v + d * d;                                        \
      memcpy(vp + j, &v, sizeof v);                                                            \
      VT variance = v;                                                                         \
      if (mp) {                                                                                \
        VT m;                                                                                  \
        memcpy(&m, mp + j, sizeof m);                                                          \
        m = va * m + vc * d;                                                                   \
        memcpy(mp + j, &m, sizeof m);                                                          \
        variance = v - m * m;                                                                  \
      }                                                                                        \
      VT r = variance + vg;                                                                    \
      d = vf * d / (CLAMPED_SQRT(VT, MT, r, zero) + vh);                                       \
      memcpy(out + j, &d, sizeof d);                                                           \
    }                                                                                          \
    break;                                                                                     \
  }                                                                                            \
  case SADDLE_OP_LION: {                                                                       \
    float *mp = op->x + base;                                                                  \
    VT one = zero + 1, minusOne = zero - 1;                                                    \
    for (; j + W <= n; j += W) {                                                               \
      VT d, m, pv;                                                                             \
      memcpy(&d, in + j, sizeof d);                                                            \
      memcpy(&m, mp + j, sizeof m);                                                            \
      memcpy(&pv, p + base + j, sizeof pv);                                                    \
      VT u = vb * m + ve * d;                                                                  \
      m = vc * m + vf * d;                                                                     \
      memcpy(mp + j, &m, sizeof m);                                                            \
      VT sign = u * zero;                                                                      \
      sign = SELECT(MT, VT, u > zero, one, sign);                                              \
      sign = SELECT(MT, VT, u < zero, minusOne, sign);                                         \
      d = va * sign + vg * pv;                                                                 \
      memcpy(out + j, &d, sizeof d);                                                           \
    }                                                                                          \
    break;                                                                                     \
  }                                                                                            \
  default:                                                                                     \
    break;                                                                                     \
  }                                                                                            \
  for (; j < n; j++) out[j] = op_one(op, in[j], p[base + j], base + j);

// p' = p - scale*d over the block; returns the first non-finite index or -1.
#define UPDATE_BODY(VT, MT, W)                                                                 \
  long first = -1;                                                                             \
  long j = 0;                                                                                  \
  VT vs = (VT){0} + scale, zero = (VT){0};                                                     \
  float *pp = p + base;                                                                        \
  for (; j + W <= n; j += W) {                                                                 \
    VT d, pv;                                                                                  \
    memcpy(&d, in + j, sizeof d);                                                              \
    memcpy(&pv, pp + j, sizeof pv);                                                            \
    GUARDED_STEP(VT, MT, W, pv, vs, d, zero, base + j, first, np);                             \
    memcpy(pp + j, &np, sizeof np);                                                            \
  }                                                                                            \
  for (; j < n; j++) {                                                                         \
    float np = pp[j] - scale * in[j];                                                          \
    if (np - np == 0) {                                                                        \
      pp[j] = np;                                                                              \
    } else if (first < 0) {                                                                    \
      first = base + j;                                                                        \
    }                                                                                          \
  }                                                                                            \
  return first;

// The whole program over [lo, hi), block by block.
#define PROGRAM_BODY(SUFFIX)                                                                   \
  long first = -1;                                                                             \
  float buffer[BLOCK] __attribute__((aligned(64)));                                            \
  for (long base = lo; base < hi; base += BLOCK) {                                             \
    long n = hi - base < BLOCK ? hi - base : BLOCK;                                            \
    const float *in = src + base;                                                              \
    float *out = update ? buffer : dst + base;                                                 \
    for (int k = 0; k < program->count; k++) {                                                 \
      op_##SUFFIX(&program->ops[k], in, out, p, base, n);                                      \
      in = out;                                                                                \
    }                                                                                          \
    if (update) {                                                                              \
      long b = update_##SUFFIX(in, p, base, n, scale);                                         \
      if (b >= 0 && first < 0) first = b;                                                      \
    } else if (in != out) {                                                                    \
      memmove(out, in, (size_t)n * sizeof(float));                                             \
    }                                                                                          \
  }                                                                                            \
  return first;

#define DEFINE_PATH(SUFFIX, ATTR, VT, MT, W)                                                   \
  ATTR static void op_##SUFFIX(const saddle_op *op, const float *in, float *out,               \
                               const float *p, long base, long n) {                            \
    OP_BODY(VT, MT, W)                                                                         \
  }                                                                                            \
  ATTR static long update_##SUFFIX(const float *in, float *p, long base, long n,               \
                                   float scale) {                                              \
    UPDATE_BODY(VT, MT, W)                                                                     \
  }                                                                                            \
  ATTR static long program_##SUFFIX(const saddle_program *program, const float *src,           \
                                    float *dst, float *p, long lo, long hi, float scale,       \
                                    int update) {                                              \
    PROGRAM_BODY(SUFFIX)                                                                       \
  }

typedef float v4f __attribute__((vector_size(16), aligned(4)));
typedef int v4i __attribute__((vector_size(16)));
DEFINE_PATH(portable, , v4f, v4i, 4)

#if defined(__x86_64__)
typedef float v8f __attribute__((vector_size(32), aligned(4)));
typedef int v8i __attribute__((vector_size(32)));
typedef float v16f __attribute__((vector_size(64), aligned(4)));
typedef int v16i __attribute__((vector_size(64)));
DEFINE_PATH(avx2, __attribute__((target("avx2"))), v8f, v8i, 8)
DEFINE_PATH(avx512, __attribute__((target("avx512f"))), v16f, v16i, 16)
#endif

long saddle_program_run_path(int path, const saddle_program *program, const float *src,
                             float *dst, float *p, long lo, long hi, float scale, int update) {
  if (path > saddle_adam_path() || path < 0) return -2;
  // Adam alone, ending in the update: the dedicated fused loop (same bits, no block buffer).
  if (update && program->count == 1 && program->ops[0].kind == SADDLE_OP_ADAM) {
    const saddle_op *op = &program->ops[0];
    return saddle_adam_update_path(path, src, p, op->x, op->y, lo, hi, op->a, op->b, op->c,
                                   op->e, op->f, op->g, op->h, scale);
  }
  switch (path) {
#if defined(__x86_64__)
  case 2:
    return program_avx512(program, src, dst, p, lo, hi, scale, update);
  case 1:
    return program_avx2(program, src, dst, p, lo, hi, scale, update);
#endif
  default:
    return program_portable(program, src, dst, p, lo, hi, scale, update);
  }
}
