#ifndef VSR_INT8_CONV_H
#define VSR_INT8_CONV_H
#include <stdint.h>

// The int8 convolution micro-kernels (scripts/gen_int8_kernels.py explains the layout and the
// arithmetic). One call computes O output channels x X vectors of pixels of one output row.

typedef struct {
    /// k pointers to the input rows y-p ... y+p, each at channel group 0, pixel column -p.
    const uint8_t *const *rows;
    /// Pixel column of the first output pixel (a multiple of the vector's lanes).
    int64_t x;
    /// Bytes from one channel group's row to the next group's.
    int64_t group_stride;
    /// Input channel groups of 4 (padded channels carry zero weights).
    int64_t groups;
    /// Packed [group][ky][kx][o]: each int32 is one output channel's 4 s8 weights.
    const int32_t *weights;
    /// Per output channel: the accumulator's start (minus input zero point x weight sum).
    const int32_t *bias;
    /// Per output channel: weight scale x input scale, the float bias, the PReLU slope.
    const float *scale;
    const float *offset;
    const float *slope;
    /// Per output channel, its quantisation as the next layer's input (u8 store): 1 / scale and
    /// the zero point (a float holding an integer 0...255).
    const float *out_inverse_scale;
    const float *out_zero_point;
    /// u8 store: the block's first group row at column 0; float store: first channel row.
    void *out;
    /// Bytes between output group rows (u8), or floats between channel rows (float).
    int64_t out_stride;
    /// Nonzero: store floats (the last layer); zero: store u8 groups (O must be a multiple of 4).
    int32_t store_float;
} vsr_i8_tile;

typedef void (*vsr_i8_kernel)(const vsr_i8_tile *tile);

/// The kernel for kernel size k, O outputs, X vectors, or NULL when not generated. `packed_rows`:
/// the first layer's form, whose one input channel is packed as 4 neighbouring pixels per word
/// (weights: [ky][ceil(k/4)][o], each word the taps kx = 4m...4m+3). Call a zmm kernel only on
/// AVX512-VNNI, ymm_evex on AVX512-VL + VNNI, ymm_vex on AVX-VNNI.
vsr_i8_kernel vsr_i8_zmm_kernel(int kernel, int outputs, int vectors, int packed_rows);
vsr_i8_kernel vsr_i8_ymm_evex_kernel(int kernel, int outputs, int vectors, int packed_rows);
vsr_i8_kernel vsr_i8_ymm_vex_kernel(int kernel, int outputs, int vectors, int packed_rows);
#endif
