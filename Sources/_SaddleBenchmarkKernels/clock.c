// The core clock, measured: a chain of dependent integer additions (one cycle of latency each
// on every x86-64 and AArch64 core this package targets) timed in the calling thread's CPU
// time, so time the thread spends descheduled does not count.
#include "SaddleBenchmarkKernels.h"

#include <time.h>

static double thread_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

double saddle_bench_clock_ghz(long iterations) {
#if defined(__x86_64__) || defined(__aarch64__)
  long x = 0;
  double start = thread_seconds();
  for (long i = 0; i < iterations; i++) {
#if defined(__x86_64__)
    __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                     "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0"
                     : "+r"(x));
#else
    __asm__ volatile("add %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1\n\t"
                     "add %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1\n\tadd %0, %0, #1"
                     : "+r"(x));
#endif
  }
  double seconds = thread_seconds() - start;
  if (x != 8 * iterations || seconds <= 0) return 0;
  return 8.0 * (double)iterations / seconds / 1e9;
#else
  (void)iterations;
  return 0;
#endif
}
