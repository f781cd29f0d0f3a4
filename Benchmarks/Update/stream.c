/* In-place streaming kernels for the memory ceiling of an update step (C, OpenMP).
   UPDATE7: read a, b, c, d; write b, c, d (28 bytes/element, Adam's traffic).
   Build: gcc -O3 -march=native -fopenmp stream.c -o stream; run: OMP_NUM_THREADS=T ./stream n reps */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int cmp(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 10000000;
  int reps = argc > 2 ? atoi(argv[2]) : 30;
  float *a = aligned_alloc(64, n * 4), *b = aligned_alloc(64, n * 4);
  float *c = aligned_alloc(64, n * 4), *d = aligned_alloc(64, n * 4);
#pragma omp parallel for
  for (long i = 0; i < n; i++) { a[i] = 1e-3f; b[i] = 1; c[i] = 2; d[i] = 3; }
  double *t = malloc(sizeof(double) * reps);
  for (int r = -2; r < reps; r++) {
    double t0 = now_ms();
#pragma omp parallel for
    for (long i = 0; i < n; i++) { b[i] += a[i]; c[i] += a[i]; d[i] += a[i]; }
    if (r >= 0) t[r] = now_ms() - t0;
  }
  qsort(t, reps, sizeof(double), cmp);
  double med = t[reps / 2];
  printf("UPDATE7 threads=%d n=%ld median_ms=%.3f GBps=%.1f check=%g\n", omp_get_max_threads(), n,
         med, 28.0 * n / (med * 1e6), (double)(b[n / 2] + c[0] + d[n - 1]));
  return 0;
}
