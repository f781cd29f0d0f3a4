#ifndef SADDLE_UPDATE_H
#define SADDLE_UPDATE_H

#ifdef __cplusplus
extern "C" {
#endif

/// One fused Adam step over elements [lo, hi) with the final parameter update, on the widest
/// instruction set the CPU has (AVX-512F, AVX2, or portable C; chosen once at run time):
///   m = b1*m + omb1*g;  v = b2*v + omb2*(g*g);
///   d = step*m / (sqrt(max(v*c2, 0)) + eps);  p' = p - scale*d
/// with every operation rounded as written (no fused multiply-add), so all paths and
/// SaddleKit's Swift lane loop give the same bits. An element whose p' is not finite keeps p.
/// Returns the first such index, or -1.
long saddle_adam_update(const float *g, float *p, float *m, float *v, long lo, long hi,
                        float b1, float b2, float omb1, float omb2, float step, float c2,
                        float eps, float scale);

/// The path `saddle_adam_update` uses: 0 portable, 1 AVX2, 2 AVX-512F.
int saddle_adam_path(void);

/// `saddle_adam_update` on an explicit path (for tests); returns -2 if the CPU lacks it.
long saddle_adam_update_path(int path, const float *g, float *p, float *m, float *v, long lo,
                             long hi, float b1, float b2, float omb1, float omb2, float step,
                             float c2, float eps, float scale);

#ifdef __cplusplus
}
#endif

#endif
