// Vector formulas shared by the update kernels (adam.c, program.c): each is written once, so
// every kernel that uses it rounds it the same way. VT is a clang float vector type, MT the int
// vector of the same size; include after `#pragma clang fp contract(off)`.
#ifndef SADDLE_VECTOR_MATH_H
#define SADDLE_VECTOR_MATH_H

// sqrt(max(x, 0)) lane by lane (NaN stays NaN, -0 stays -0, as Swift's clampedSquareRoot).
#define CLAMPED_SQRT(VT, MT, x, zero) \
  __builtin_elementwise_sqrt((VT)((MT)(x) & ~(MT)((x) < (zero))))

// Adam: m = b1*m + omb1*g; v = b2*v + omb2*(g*g) (both in place); then
// d = step*m / (sqrt(max(v*c2, 0)) + eps). `g` may be the same variable as `d`.
#define ADAM_VECTOR(VT, MT, g, m, v, b1, b2, omb1, omb2, step, c2, eps, zero, d) \
  do {                                                                          \
    m = b1 * m + omb1 * g;                                                      \
    v = b2 * v + omb2 * (g * g);                                                \
    VT adam_r_ = v * c2;                                                        \
    d = step * m / (CLAMPED_SQRT(VT, MT, adam_r_, zero) + eps);                 \
  } while (0)

// np = pv - s*d lane by lane; a lane whose np is not finite keeps pv, and the first such
// element's index (base + lane) goes to `first` if it is still < 0.
#define GUARDED_STEP(VT, MT, W, pv, s, d, zero, base, first, np) \
  VT np = pv - s * d;                                            \
  do {                                                           \
    MT bad_ = (np - np) != zero;                                 \
    if (__builtin_reduce_or(bad_)) {                             \
      for (int k_ = 0; k_ < W; k_++) {                           \
        if (bad_[k_]) {                                          \
          if (first < 0) first = (base) + k_;                    \
          np[k_] = pv[k_];                                       \
        }                                                        \
      }                                                          \
    }                                                            \
  } while (0)

#endif
