/*
 * saddlekit.h — the C API of SaddleKit (library: libSaddleKitC, product SaddleKitC).
 *
 * Build:  swift build -c release --product SaddleKitC   (→ .build/release/libSaddleKitC.so)
 *
 * Every function returns a status code; on failure it writes a one-line, NUL-terminated
 * message into the caller's buffer (`message`, `capacity` bytes, may be NULL). No error or
 * trap of the Swift side crosses this boundary. Strings and blobs returned through `out`
 * pointers are owned by the caller and freed with saddlekit_free.
 *
 * Threading: one optimizer must not be used by two threads at once; callbacks run on the
 * thread that called saddlekit_optimizer_step.
 *
 * Keep in sync with Sources/SaddleKitC/CAPI.swift (checked by the Swift tests and pytest).
 */
#ifndef SADDLEKIT_H
#define SADDLEKIT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SADDLEKIT_API_VERSION 1

/* Status codes. */
#define SADDLEKIT_OK 0
#define SADDLEKIT_SPEC_ERROR 1      /* the spec is invalid: the registry's one-line error */
#define SADDLEKIT_ARGUMENT_ERROR 2  /* null pointer, size mismatch, bad segments or policy */
#define SADDLEKIT_NONFINITE 3       /* a non-finite step stopped the run (policy) */
#define SADDLEKIT_STATE_ERROR 4     /* a state blob cannot be loaded */
#define SADDLEKIT_STOPPED 5         /* the optimizer had stopped; load a saved state */
#define SADDLEKIT_INTERNAL_ERROR 6
#define SADDLEKIT_SKIPPED 10        /* not an error: a non-finite step was skipped */
#define SADDLEKIT_ROLLED_BACK 11    /* not an error: rolled back, parameters rewritten */

typedef struct saddlekit_optimizer saddlekit_optimizer;

/* Callbacks return 0 on success; anything else (or a non-finite value) makes the evaluation
 * non-finite and the step is handled by the non-finite policy. `parameters` and `vector` are
 * only valid during the call. Every evaluation of one step must use the same batch. */
typedef int32_t (*saddlekit_loss_and_gradient_fn)(void *context, const float *parameters,
                                                  int64_t count, double *loss,
                                                  float *gradient);
typedef int32_t (*saddlekit_loss_fn)(void *context, const float *parameters, int64_t count,
                                     double *loss);
typedef int32_t (*saddlekit_hvp_fn)(void *context, const float *parameters,
                                    const float *vector, int64_t count, float *result);

/* SADDLEKIT_API_VERSION of the loaded library. */
int32_t saddlekit_api_version(void);

/* Frees a string or blob returned by the library (NULL is ignored). */
void saddlekit_free(void *pointer);

/* The registry (problems, estimators, rules, presets with their parameters) as a JSON
 * array of {"name", "kind", "summary", "parameters": [{"name", "default", "accepted"}]}. */
int32_t saddlekit_registry_json(char **out, char *message, int64_t capacity);

/* An optimizer for `count` float32 parameters (copied) from a JSON spec, as
 * `saddle run --optimizer`. `segments`: NULL (one segment "x") or JSON
 * [{"name": "w", "shape": [2, 3]}, ...] covering `count`. `policy`: NULL ("stop"), "stop",
 * "skip" or "rollback". `exact_hvp` non-zero: every step passes an hvp callback. */
int32_t saddlekit_optimizer_create(const char *spec, const float *parameters, int64_t count,
                                   const char *segments, uint64_t seed, const char *policy,
                                   int32_t exact_hvp, saddlekit_optimizer **out,
                                   char *message, int64_t capacity);

void saddlekit_optimizer_destroy(saddlekit_optimizer *optimizer);

/* The number of parameters, or -1 for NULL. */
int64_t saddlekit_optimizer_parameter_count(const saddlekit_optimizer *optimizer);

/* One step from `parameters` (updated in place), where the caller has evaluated `loss` and
 * `gradient`. Further evaluations go through the callbacks (`loss_only` and `hvp` may be
 * NULL; without `loss_only`, loss-only evaluations call `loss_and_gradient`). All are
 * counted as in Swift, the one at `parameters` included. `out_loss` receives the loss
 * before the step. Returns SADDLEKIT_OK, SADDLEKIT_SKIPPED, SADDLEKIT_ROLLED_BACK,
 * SADDLEKIT_NONFINITE, SADDLEKIT_STOPPED or SADDLEKIT_ARGUMENT_ERROR. */
int32_t saddlekit_optimizer_step(saddlekit_optimizer *optimizer, float *parameters,
                                 const float *gradient, double loss, void *context,
                                 saddlekit_loss_and_gradient_fn loss_and_gradient,
                                 saddlekit_loss_fn loss_only, saddlekit_hvp_fn hvp,
                                 double *out_loss, char *message, int64_t capacity);

/* Writes 5 values into `out`: gradients, losses, Hessian-vector products, cost
 * (gradients + losses + 2 * HVPs), steps. */
int32_t saddlekit_optimizer_counts(const saddlekit_optimizer *optimizer, int64_t *out);

/* Step, loss, curvature, learning-rate scale, counts and every stage's summary (learning
 * rates, counters) as a JSON object; non-finite values are null. */
int32_t saddlekit_optimizer_metrics_json(const saddlekit_optimizer *optimizer, char **out,
                                         char *message, int64_t capacity);

/* Copies the optimizer's parameters (e.g. after a load) into `out` (`count` floats). */
int32_t saddlekit_optimizer_parameters(const saddlekit_optimizer *optimizer, float *out,
                                       int64_t count);

/* The self-contained optimizer state (parameters, every stage's state, random stream, step,
 * counts) as bytes (JSON with sorted keys); free with saddlekit_free. */
int32_t saddlekit_optimizer_save_state(const saddlekit_optimizer *optimizer, uint8_t **out,
                                       int64_t *length, char *message, int64_t capacity);

/* Replaces the state with one saved by the same spec for the same layout; refused
 * (SADDLEKIT_STATE_ERROR, state unchanged) otherwise. Clears a stop. */
int32_t saddlekit_optimizer_load_state(saddlekit_optimizer *optimizer, const uint8_t *data,
                                       int64_t length, char *message, int64_t capacity);

/* Diagnostic: times `steps` pure-Swift steps of `spec` on `count` parameters with a fixed
 * gradient (no C boundary), writing the seconds taken; the baseline of Guides/Python.md. */
int32_t saddlekit_bench_swift_steps(const char *spec, int64_t count, int64_t steps,
                                    double *seconds, char *message, int64_t capacity);

#ifdef __cplusplus
}
#endif

#endif /* SADDLEKIT_H */
