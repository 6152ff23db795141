#!/usr/bin/env python3
"""Generates the int8 convolution micro-kernels (VNNI), in C: Swift cannot emit vpdpbusd
(Sources/CKernelsInt8/include/vnni_probe.h says why).

Activations are u8 in channel groups of 4: a group row holds, for each pixel, the 4 channels' bytes
side by side, so one 32-bit lane is one pixel's 4 channels and `vpdpbusd` multiplies them by one
output channel's 4 s8 weights (a 32-bit broadcast) and adds the 4 products to that pixel's s32
accumulator. The tiling mirrors the fp32 kernels (scripts/gen_conv_kernels.py): O output channels
x X vectors of LANES pixels, X loads shared by the O channels, O broadcasts shared by the X vectors,
O*X vpdpbusd per channel group and tap; kx unrolled, groups and ky loops.

The store requantises: y = float(acc) * scale[o] + offset[o] (one FMA), PReLU (slope 1 = none,
0 = ReLU), then either floats (the last layer, whose outputs the fp32 pixel shuffle takes) or
u8 = round(y / next_scale[o] + next_zero_point[o]) clamped to 0...255 (activations are quantised
per channel; their scales are folded into the next layer's weights), four channels packed into
each 32-bit lane of the next layer's group row. Every step is exact IEEE arithmetic in a fixed order,
which the scalar reference (VSRTestSupport.Int8ReferenceExecutor) repeats: results are bit-identical.

Variants: zmm (AVX512-VNNI, 16 pixels, up to 24 accumulators) and ymm (8 pixels, 12 accumulators)
compiled twice: with AVX-VNNI (VEX, Alder Lake and later without AVX-512) and with AVX512-VL VNNI
(EVEX, so the ymm code is tested on AVX-512 machines too).
Run: python3 scripts/gen_int8_kernels.py
"""
import os

KS = (1, 3, 5)
ROOT = os.path.join(os.path.dirname(__file__), '..', 'Sources', 'CKernelsInt8')

ISAS = [
    # name, lanes, max accumulators, target attribute, dpbusd intrinsic
    ('zmm', 16, 24, 'avx512f,avx512bw,avx512vl,avx512vnni,fma', '_mm512_dpbusd_epi32'),
    ('ymm_evex', 8, 12, 'avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma', '_mm256_dpbusd_epi32'),
    ('ymm_vex', 8, 12, 'avx2,fma,avxvnni', '_mm256_dpbusd_avx_epi32'),
]


def blockings(max_acc):
    for o in range(1, 17):
        for x in range(1, 5):
            if o * x <= max_acc:
                yield o, x


def prelude(isa, lanes, dpbusd):
    """Per ISA: short macros and always-inlined helpers for the requantisation, so each kernel's
    text is its unrolled multiply-add schedule (the generated file stays small)."""
    p = '_mm512' if lanes == 16 else '_mm256'
    vi, vf = ('__m512i', '__m512') if lanes == 16 else ('__m256i', '__m256')
    bits = lanes * 32
    A = f'static inline __attribute__((always_inline)) ISA_{isa.upper()}'
    if lanes == 16:
        prelu = f'{p}_mask_mul_ps(y, {p}_cmp_ps_mask(y, {p}_setzero_ps(), _CMP_LT_OQ), y, {p}_set1_ps(t->slope[i]))'
        order = '_mm512_broadcast_i32x4(ORDER)'
    else:
        prelu = f'{p}_blendv_ps(y, {p}_mul_ps(y, {p}_set1_ps(t->slope[i])), {p}_cmp_ps(y, {p}_setzero_ps(), _CMP_LT_OQ))'
        order = '_mm256_broadcastsi128_si256(ORDER)'
    return f'''
// ---- {isa}: {lanes} pixels a vector ----
#define VI {vi}
#define LD(o) {p}_loadu_si{bits}((const void *)(r + (o)))
#define BC(n) {p}_set1_epi32(w[n])
#define DP(a, x, y) a = {dpbusd}(a, x, y)
#define B(i) {p}_set1_epi32(t->bias[i])
#define SF(a, i, j) {isa}_sf(t, a, i, j)
#define SQ(g, j, i, a0, a1, a2, a3) {isa}_sq(t, g, j, i, a0, a1, a2, a3)

/// float(acc) * scale + bias (one FMA), then PReLU (slope 1 = none, 0 = ReLU).
{A} {vf} {isa}_y(const vsr_i8_tile *t, {vi} a, int i) {{
    {vf} y = {p}_fmadd_ps({p}_cvtepi32_ps(a), {p}_set1_ps(t->scale[i]), {p}_set1_ps(t->offset[i]));
    return {prelu};
}}

/// The float store: channel i's row, `j` pixels into the tile.
{A} void {isa}_sf(const vsr_i8_tile *t, {vi} a, int i, int j) {{
    {p}_storeu_ps((float *)t->out + i * t->out_stride + t->x + j, {isa}_y(t, a, i));
}}

/// The next layer's u8 code: round(min(y / scale + zero point, 255)); below 0 the packs saturate
/// (a huge negative value converts to INT_MIN, which saturates to 0 too).
{A} {vi} {isa}_q(const vsr_i8_tile *t, {vi} a, int i) {{
    return {p}_cvtps_epi32({p}_min_ps({p}_fmadd_ps({isa}_y(t, a, i), {p}_set1_ps(t->out_inverse_scale[i]),
                                                   {p}_set1_ps(t->out_zero_point[i])), {p}_set1_ps(255.0f)));
}}

/// Channels i...i+3 into group row g: packs (s32 -> s16) and packus (s16 -> u8), both saturating
/// per 128-bit lane, then a byte transpose of 4 channels x 4 pixels into 4 pixels x 4 channels.
{A} void {isa}_sq(const vsr_i8_tile *t, int g, int j, int i, {vi} a0, {vi} a1, {vi} a2, {vi} a3) {{
    const {vi} v = {p}_packus_epi16({p}_packs_epi32({isa}_q(t, a0, i), {isa}_q(t, a1, i + 1)),
                                 {p}_packs_epi32({isa}_q(t, a2, i + 2), {isa}_q(t, a3, i + 3)));
    {p}_storeu_si{bits}((void *)((uint8_t *)t->out + g * t->out_stride + (t->x + j) * 4), {p}_shuffle_epi8(v, {order}));
}}
'''


EPILOGUE = '#undef VI\n#undef LD\n#undef BC\n#undef DP\n#undef B\n#undef SF\n#undef SQ\n'


def kernel(isa, lanes, k, o, x, packed_rows=False):
    """packed_rows: the first layer's form (one input channel). Its group row holds, for each pixel
    x, the 4 luma samples x...x+3, so a row's k taps take ceil(k/4) vpdpbusd 4 pixels apart instead
    of k with 3 zero channels (3x fewer for k=3, 2.5x for k=5)."""
    name = f'{isa}_{"h" if packed_rows else "k"}{k}_o{o}_x{x}'
    taps, step = ((k + 3) // 4, 4) if packed_rows else (k, 1)
    L = [f'static ISA_{isa.upper()} void {name}(const vsr_i8_tile *t) {{']
    for i in range(o):
        L.append('    VI ' + ', '.join(f'a{i}_{j} = B({i})' for j in range(x)) + ';')
    L.append('    const int32_t *w = t->weights;')
    L.append('    const int64_t gs = t->group_stride, x0 = t->x * 4;')
    L.append('    for (int64_t g = 0; g < t->groups; g++) {')
    L.append(f'        for (int ky = 0; ky < {k}; ky++) {{')
    L.append('            const uint8_t *r = t->rows[ky] + x0 + g * gs;')
    L.append('            VI v;')
    for kx in range(taps):
        L.append('            { VI ' + ', '.join(f'i{j} = LD({4 * (step * kx + lanes * j)})' for j in range(x)) + ';')
        for i in range(o):
            L.append(f'              v = BC({kx * o + i}); ' + ' '.join(f'DP(a{i}_{j}, i{j}, v);' for j in range(x)))
        L.append('            }')
    L.append(f'            w += {taps * o};')
    L.append('        }')
    L.append('    }')
    L.append('    if (t->store_float) {')
    for i in range(o):
        L.append('        ' + ' '.join(f'SF(a{i}_{j}, {i}, {lanes * j});' for j in range(x)))
    if o % 4 == 0:
        L.append('    } else {')
        for g in range(o // 4):
            for j in range(x):
                c = ', '.join(f'a{4 * g + n}_{j}' for n in range(4))
                L.append(f'        SQ({g}, {lanes * j}, {4 * g}, {c});')
    L.append('    }')
    L.append('}')
    return name, '\n'.join(L)


def main():
    body = ['// Generated by scripts/gen_int8_kernels.py; do not edit by hand.',
            '#include "int8_conv.h"',
            '#include <immintrin.h>',
            '#include <stddef.h>',
            '',
            '#define ORDER _mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15)',
            '']
    for isa, lanes, max_acc, target, _ in ISAS:
        body.append(f'#define ISA_{isa.upper()} __attribute__((target("{target}")))')
    body.append('')
    for isa, lanes, max_acc, target, dpbusd in ISAS:
        body.append(prelude(isa, lanes, dpbusd))
        names = {}
        for packed in (False, True):
            for k in KS:
                if packed and k == 1:
                    continue  # one tap: the plain kernel reads the packed row the same way
                for o, x in blockings(max_acc):
                    name, code = kernel(isa, lanes, k, o, x, packed)
                    names[(packed, k, o, x)] = name
                    body.append(code)
                    body.append('')
        body.append(EPILOGUE)
        body.append(f'vsr_i8_kernel vsr_i8_{isa}_kernel(int kernel, int outputs, int vectors, int packed_rows) {{')
        body.append('    if (packed_rows && kernel == 1) packed_rows = 0;')
        body.append('    switch (packed_rows * 1000000 + kernel * 10000 + outputs * 100 + vectors) {')
        for (packed, k, o, x), name in names.items():
            body.append(f'    case {int(packed) * 1000000 + k * 10000 + o * 100 + x}: return {name};')
        body.append('    default: return NULL;')
        body.append('    }')
        body.append('}')
        body.append('')
    with open(os.path.join(ROOT, 'int8_conv_generated.c'), 'w') as f:
        f.write('\n'.join(body))


if __name__ == '__main__':
    main()
