#ifndef VSR_CFFMPEG_SHIM_H
#define VSR_CFFMPEG_SHIM_H
// FFmpeg's C API for Swift. Only what Swift cannot import gets a shim: function-like macros
// and macros whose expansion Swift's importer rejects.
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libavutil/opt.h>
#include <libavutil/display.h>
#include <libavutil/mastering_display_metadata.h>
#include <libavutil/video_enc_params.h>
#include <libswscale/swscale.h>
#include <libswresample/swresample.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersrc.h>
#include <libavfilter/buffersink.h>
#include <libavutil/audio_fifo.h>
#include <malloc.h>

/// AVERROR(e) is a macro: negated POSIX errno.
static inline int vsr_averror(int posix) { return AVERROR(posix); }
/// AVERROR_EOF is built with FFERRTAG, a macro Swift does not import.
static inline int vsr_averror_eof(void) { return AVERROR_EOF; }
static inline int vsr_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int vsr_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int vsr_averror_encoder_not_found(void) { return AVERROR_ENCODER_NOT_FOUND; }
static inline int vsr_averror_exit(void) { return AVERROR_EXIT; }
/// AV_NOPTS_VALUE is an INT64_C() expression.
static inline int64_t vsr_nopts_value(void) { return AV_NOPTS_VALUE; }
/// AV_TIME_BASE_Q is a compound literal.
static inline AVRational vsr_time_base_q(void) { return (AVRational){1, AV_TIME_BASE}; }
/// av_err2str uses a compound-literal buffer; this fills the caller's buffer instead.
static inline void vsr_strerror(int code, char *buf, size_t size) { av_strerror(code, buf, size); }

/// glibc's M_PERTURB (a macro of malloc.h): every new heap allocation is filled with one fixed
/// byte. libx264 reads a few heap bytes it never wrote; this makes them the same on every run.
static inline void vsr_perturb_heap(int byte) { mallopt(M_PERTURB, byte); }

/// Installs an interrupt callback that reads a flag; FFmpeg polls it during blocking I/O.
/// `flag` points at memory owned by the caller (an atomic int: nonzero means stop).
static inline int vsr_interrupt_cb(void *opaque) {
    return __atomic_load_n((const int *)opaque, __ATOMIC_RELAXED) != 0;
}
static inline void vsr_flag_raise(int *flag) { __atomic_store_n(flag, 1, __ATOMIC_RELAXED); }
static inline void vsr_set_interrupt(AVFormatContext *ctx, int *flag) {
    ctx->interrupt_callback.callback = vsr_interrupt_cb;
    ctx->interrupt_callback.opaque = flag;
}

/// Silences FFmpeg's own logging below `level` (it prints to stderr by default).
static inline void vsr_set_log_level(int level) { av_log_set_level(level); }
#endif
