#pragma once
int saddle_kernels_version(void);
