// Fused Adam update (see saddle_update.h). One generic body written with clang vector
// extensions, inlined into per-ISA wrappers; contraction into FMA is off so that every path
// rounds exactly like the portable loop and SaddleKit's Swift kernel.
#include "saddle_update.h"
#include "vector_math.h"

#include <math.h>
#include <string.h>

#pragma clang fp contract(off)
#pragma clang diagnostic ignored "-Wpsabi"

#define INLINE static inline __attribute__((always_inline))

// One element, exactly as the vector bodies compute it; returns 1 if p' was not finite.
INLINE int adam_one(const float *g, float *p, float *m, float *v, long i, float b1, float b2,
                    float omb1, float omb2, float step, float c2, float eps, float scale) {
  float gi = g[i];
  float mi = b1 * m[i] + omb1 * gi;
  float vi = b2 * v[i] + omb2 * (gi * gi);
  m[i] = mi;
  v[i] = vi;
  float r = vi * c2;
  float d = step * mi / (sqrtf(r < 0 ? 0 : r) + eps);
  float pi = p[i];
  float np = pi - scale * d;
  if (np - np == 0) {
    p[i] = np;
    return 0;
  }
  return 1;
}

#define ADAM_BODY(VT, MT, W)                                                                   \
  long first = -1;                                                                             \
  long i = lo;                                                                                 \
  VT vb1 = (VT){0} + b1, vb2 = (VT){0} + b2, vo1 = (VT){0} + omb1, vo2 = (VT){0} + omb2;       \
  VT vstep = (VT){0} + step, vc2 = (VT){0} + c2, veps = (VT){0} + eps, vscale = (VT){0} + scale; \
  VT zero = (VT){0};                                                                           \
  for (; i + W <= hi; i += W) {                                                                \
    VT gv, mv, vv, pv;                                                                         \
    memcpy(&gv, g + i, sizeof gv);                                                             \
    memcpy(&mv, m + i, sizeof mv);                                                             \
    memcpy(&vv, v + i, sizeof vv);                                                             \
    memcpy(&pv, p + i, sizeof pv);                                                             \
    VT d;                                                                                      \
    ADAM_VECTOR(VT, MT, gv, mv, vv, vb1, vb2, vo1, vo2, vstep, vc2, veps, zero, d);            \
    memcpy(m + i, &mv, sizeof mv);                                                             \
    memcpy(v + i, &vv, sizeof vv);                                                             \
    GUARDED_STEP(VT, MT, W, pv, vscale, d, zero, i, first, np);                                \
    memcpy(p + i, &np, sizeof np);                                                             \
  }                                                                                            \
  for (; i < hi; i++) {                                                                        \
    if (adam_one(g, p, m, v, i, b1, b2, omb1, omb2, step, c2, eps, scale) && first < 0)        \
      first = i;                                                                               \
  }                                                                                            \
  return first;

typedef float v4f __attribute__((vector_size(16), aligned(4)));
typedef int v4i __attribute__((vector_size(16)));

static long adam_portable(const float *g, float *p, float *m, float *v, long lo, long hi,
                          float b1, float b2, float omb1, float omb2, float step, float c2,
                          float eps, float scale) {
  ADAM_BODY(v4f, v4i, 4)
}

#if defined(__x86_64__)
typedef float v8f __attribute__((vector_size(32), aligned(4)));
typedef int v8i __attribute__((vector_size(32)));
typedef float v16f __attribute__((vector_size(64), aligned(4)));
typedef int v16i __attribute__((vector_size(64)));

__attribute__((target("avx2"))) static long adam_avx2(const float *g, float *p, float *m,
                                                      float *v, long lo, long hi, float b1,
                                                      float b2, float omb1, float omb2,
                                                      float step, float c2, float eps,
                                                      float scale) {
  ADAM_BODY(v8f, v8i, 8)
}

__attribute__((target("avx512f"))) static long adam_avx512(const float *g, float *p, float *m,
                                                           float *v, long lo, long hi, float b1,
                                                           float b2, float omb1, float omb2,
                                                           float step, float c2, float eps,
                                                           float scale) {
  ADAM_BODY(v16f, v16i, 16)
}
#endif

int saddle_adam_path(void) {
#if defined(__x86_64__)
  static int path = -1;
  if (path < 0) {
    __builtin_cpu_init();
    path = __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
  }
  return path;
#else
  return 0;
#endif
}

long saddle_adam_update_path(int path, const float *g, float *p, float *m, float *v, long lo,
                             long hi, float b1, float b2, float omb1, float omb2, float step,
                             float c2, float eps, float scale) {
  if (path > saddle_adam_path() || path < 0) return -2;
  switch (path) {
#if defined(__x86_64__)
  case 2:
    return adam_avx512(g, p, m, v, lo, hi, b1, b2, omb1, omb2, step, c2, eps, scale);
  case 1:
    return adam_avx2(g, p, m, v, lo, hi, b1, b2, omb1, omb2, step, c2, eps, scale);
#endif
  default:
    return adam_portable(g, p, m, v, lo, hi, b1, b2, omb1, omb2, step, c2, eps, scale);
  }
}
