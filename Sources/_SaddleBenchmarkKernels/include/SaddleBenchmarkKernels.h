#ifndef SADDLE_BENCHMARK_KERNELS_H
#define SADDLE_BENCHMARK_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// The memory ceiling of an update step over `[lo, hi)`: `p += g; m += g; v += g` in place —
/// Adam's traffic (read 4 arrays, write 3; 28 bytes per element) with trivial arithmetic. Runs
/// the widest vector path the CPU has (AVX-512F or AVX2 on x86, chosen at run time; the
/// compiler's default vectorization elsewhere).
void saddle_bench_stream7(const float *g, float *p, float *m, float *v, long lo, long hi);

/// The instruction set `saddle_bench_stream7` runs: "avx512f", "avx2" or "default".
const char *saddle_bench_stream7_path(void);

/// The number of heap allocations made in this process so far, when the process runs with the
/// counting allocator shim (`Benchmarks/Update/alloc_count.c`, via `LD_PRELOAD`); -1 otherwise.
long saddle_bench_allocation_count(void);

/// The calling thread's core clock in GHz, measured: `8 * iterations` dependent one-cycle
/// integer additions timed in thread CPU time (0 on architectures without the probe). Run it
/// on every thread of a measurement at once to get the clock under that load.
double saddle_bench_clock_ghz(long iterations);

#ifdef __cplusplus
}
#endif

#endif
