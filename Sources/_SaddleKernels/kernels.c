#include "SaddleKernels.h"
int saddle_kernels_version(void) { return 1; }
