#ifndef VSR_VNNI_PROBE_H
#define VSR_VNNI_PROBE_H
#include <stdint.h>

// Int8 building blocks for the VNNI engine (issue #12). Swift cannot emit vpdpbusd: binding the
// LLVM intrinsic crashes the compiler (64-byte vectors are passed indirectly) and LLVM does not
// pattern-match it from Swift SIMD widening multiplies (checked: scalarised). So the int8 code is
// C with intrinsics, each function compiled for its ISA through a target attribute and called
// only after a CPU check; the module itself builds on any x86-64.

/// Runs `iterations` rounds of 12 independent zmm vpdpbusd chains (64 u8 x s8 multiply-adds each)
/// and returns a checksum (so the work is not optimised away). AVX512-VNNI only.
int32_t vsr_vnni_probe(int64_t iterations, int32_t seed);

/// One u8 x s8 -> s32 dot product of `n` (a multiple of 64) bytes with zmm vpdpbusd: the kernel
/// the probe's figure is for, checked against plain C by the tests. AVX512-VNNI only.
int32_t vsr_vnni_dot(const uint8_t *a, const int8_t *b, int64_t n);

/// The same dot product in plain C: the reference.
int32_t vsr_dot_reference(const uint8_t *a, const int8_t *b, int64_t n);
#endif
