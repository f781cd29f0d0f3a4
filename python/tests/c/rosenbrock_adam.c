/* 200 Adam steps on Rosenbrock from (-1.2, 1) through the C API alone (saddlekit.h): the
 * header's declarations, the library's symbols and the Swift trajectory must agree. Prints
 * the final parameters' float32 bit patterns, then the gradient count. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "saddlekit.h"

static int32_t rosenbrock(void *context, const float *p, int64_t n, double *loss, float *g) {
  (void)n;
  int *calls = context;
  *calls += 1;
  double x = p[0], y = p[1], a = 1, b = 100;
  double u = a - x, v = y - x * x;
  g[0] = (float)(-2 * (a - x) - 4 * b * x * v);
  g[1] = (float)(2 * b * v);
  *loss = u * u + b * v * v;
  return 0;
}

int main(void) {
  if (saddlekit_api_version() != SADDLEKIT_API_VERSION) return 3;
  char message[512];
  float x[2] = {-1.2f, 1.0f};
  saddlekit_optimizer *opt = NULL;
  const char *spec = "[{\"stage\":\"adam\",\"learningRate\":0.01}]";
  if (saddlekit_optimizer_create(spec, x, 2, NULL, 0, NULL, 0, &opt, message,
                                 sizeof message) != SADDLEKIT_OK) {
    fprintf(stderr, "%s\n", message);
    return 1;
  }
  int calls = 0;
  for (int step = 0; step < 200; step++) {
    float g[2];
    double loss, before;
    rosenbrock(&calls, x, 2, &loss, g);
    int32_t code = saddlekit_optimizer_step(opt, x, g, loss, &calls, rosenbrock, NULL, NULL,
                                            &before, message, sizeof message);
    if (code != SADDLEKIT_OK) {
      fprintf(stderr, "%s\n", message);
      return 1;
    }
  }
  int64_t counts[5];
  saddlekit_optimizer_counts(opt, counts);
  uint32_t bits[2];
  memcpy(bits, x, sizeof bits);
  printf("%08x %08x %lld %d\n", bits[0], bits[1], (long long)counts[0], calls);
  if (saddlekit_optimizer_create("[{\"stage\":\"adma\"}]", x, 2, NULL, 0, NULL, 0, &opt,
                                 message, sizeof message) != SADDLEKIT_SPEC_ERROR)
    return 2;
  printf("%s\n", message);
  saddlekit_optimizer_destroy(opt);
  return 0;
}
