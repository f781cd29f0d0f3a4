// The in-process memory ceiling of `saddle bench update`: the same traffic as an Adam step
// (read g, p, m, v; write p, m, v) with one add per stored value, so the time is memory time.
// On x86 the loop is compiled per instruction set with `target(...)` attributes and chosen at
// run time (no unsafe flags); elsewhere the compiler's default vectorization runs.
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE  // RTLD_DEFAULT
#endif

#include "SaddleBenchmarkKernels.h"

#if defined(__linux__)
#include <dlfcn.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#define SADDLE_BENCH_X86 1
#else
#define SADDLE_BENCH_X86 0
#endif

static inline __attribute__((always_inline)) void stream7_body(const float *restrict g,
                                                               float *restrict p,
                                                               float *restrict m,
                                                               float *restrict v, long lo,
                                                               long hi) {
  for (long i = lo; i < hi; i++) {
    float x = g[i];
    p[i] += x;
    m[i] += x;
    v[i] += x;
  }
}

static void stream7_default(const float *g, float *p, float *m, float *v, long lo, long hi) {
  stream7_body(g, p, m, v, lo, hi);
}

#if SADDLE_BENCH_X86
__attribute__((target("avx512f"))) static void stream7_avx512(const float *g, float *p, float *m,
                                                              float *v, long lo, long hi) {
  stream7_body(g, p, m, v, lo, hi);
}

__attribute__((target("avx2"))) static void stream7_avx2(const float *g, float *p, float *m,
                                                         float *v, long lo, long hi) {
  stream7_body(g, p, m, v, lo, hi);
}
#endif

// 0: default, 1: AVX2, 2: AVX-512F.
static int stream7_level(void) {
#if SADDLE_BENCH_X86
  static int cached = -1;
  if (cached >= 0) return cached;
  __builtin_cpu_init();
  int level = 0;
  if (__builtin_cpu_supports("avx2")) level = 1;
  if (__builtin_cpu_supports("avx512f")) level = 2;
  cached = level;
  return level;
#else
  return 0;
#endif
}

void saddle_bench_stream7(const float *g, float *p, float *m, float *v, long lo, long hi) {
#if SADDLE_BENCH_X86
  switch (stream7_level()) {
  case 2:
    stream7_avx512(g, p, m, v, lo, hi);
    return;
  case 1:
    stream7_avx2(g, p, m, v, lo, hi);
    return;
  default:
    break;
  }
#endif
  stream7_default(g, p, m, v, lo, hi);
}

const char *saddle_bench_stream7_path(void) {
  switch (stream7_level()) {
  case 2:
    return "avx512f";
  case 1:
    return "avx2";
  default:
    return "default";
  }
}

long saddle_bench_allocation_count(void) {
#if defined(__linux__)
  // The shim exports `saddle_alloc_count`; look it up in the global scope once.
  typedef long (*counter_fn)(void);
  static counter_fn counter = 0;
  static int looked_up = 0;
  if (!looked_up) {
    counter = (counter_fn)dlsym(RTLD_DEFAULT, "saddle_alloc_count");
    looked_up = 1;
  }
  return counter ? counter() : -1;
#else
  return -1;
#endif
}
