/* The few entry points @granule/encode calls, over libopus's multistream encoder.
 * The encoder's ctl is variadic, which a WebAssembly caller cannot call portably, so each
 * request used here gets a fixed-signature wrapper. Returns libopus error codes (< 0). */
#include <stdlib.h>
#include "opus_multistream.h"

OpusMSEncoder *granule_encoder_create(opus_int32 sample_rate, int channels, int streams, int coupled_streams,
                                      const unsigned char *mapping, int application, int *error) {
  return opus_multistream_encoder_create(sample_rate, channels, streams, coupled_streams, mapping, application, error);
}

void granule_encoder_destroy(OpusMSEncoder *encoder) { opus_multistream_encoder_destroy(encoder); }

int granule_encode_float(OpusMSEncoder *encoder, const float *pcm, int frame_size, unsigned char *data,
                         opus_int32 max_data_bytes) {
  return opus_multistream_encode_float(encoder, pcm, frame_size, data, max_data_bytes);
}

/* Setters that take one opus_int32: bitrate, complexity, VBR, VBR constraint, signal, bandwidth, LSB depth... */
int granule_encoder_set(OpusMSEncoder *encoder, int request, opus_int32 value) {
  return opus_multistream_encoder_ctl(encoder, request, value);
}

/* Getters that write one opus_int32 (lookahead, bitrate, ...): the value, or a libopus error code. */
int granule_encoder_get(OpusMSEncoder *encoder, int request, opus_int32 *value) {
  return opus_multistream_encoder_ctl(encoder, request, value);
}

const char *granule_opus_version(void) { return opus_get_version_string(); }
