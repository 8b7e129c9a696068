/*
 * The native anchor of the whole-process benchmarks (bench/whole-process): what a C
 * programmer would write over libopusfile. Built by the harness with
 *   cc -O2 -o seek seek.c $(pkg-config --cflags --libs opusfile opusurl)
 * when libopusfile-dev is installed.
 *
 *   seek segments <file.opus|url> <segments.txt> <out-dir>
 *       each line "start_sample end_sample" of segments.txt: op_pcm_seek(start) and
 *       op_read_float until end - start samples, written to <out-dir>/<row>.f32 (row
 *       numbered from 1, unpadded; raw little-endian interleaved float32)
 *   seek decode <file.opus> <out.f32>
 *       the whole stream straight through with op_read_float, written to out.f32
 *   seek total <file.opus>
 *       prints "total_samples channels" (op_pcm_total, op_channel_count)
 *
 * A URL (http://...) is opened with op_open_url, which seeks by bisection over Range
 * requests, the anchor of the plain-URL remote row.
 */
#include <opusfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 120 ms of 48 kHz audio, up to 8 channels: op_read_float's largest packet. */
#define BUFFER_FLOATS (5760 * 8)

static OggOpusFile *open_source(const char *source) {
  int error = 0;
  OggOpusFile *file;
  if (strncmp(source, "http://", 7) == 0 || strncmp(source, "https://", 8) == 0) {
    file = op_open_url(source, &error, NULL);
  } else {
    file = op_open_file(source, &error);
  }
  if (file == NULL) {
    fprintf(stderr, "seek: cannot open %s (libopusfile error %d)\n", source, error);
    exit(1);
  }
  return file;
}

/* Reads exactly `samples` samples per channel (or to the end when samples < 0) into out. */
static long long read_samples(OggOpusFile *file, long long samples, FILE *out, const char *what) {
  static float buffer[BUFFER_FLOATS];
  int channels = op_channel_count(file, -1);
  long long done = 0;
  while (samples < 0 || done < samples) {
    int got = op_read_float(file, buffer, BUFFER_FLOATS, NULL);
    if (got < 0) {
      fprintf(stderr, "seek: op_read_float failed with %d in %s after %lld samples\n", got, what, done);
      exit(1);
    }
    if (got == 0) break;
    long long keep = got;
    if (samples >= 0 && done + keep > samples) keep = samples - done;
    if (fwrite(buffer, sizeof(float) * channels, (size_t)keep, out) != (size_t)keep) {
      fprintf(stderr, "seek: cannot write %s\n", what);
      exit(1);
    }
    done += keep;
  }
  if (samples >= 0 && done != samples) {
    fprintf(stderr, "seek: %s ended after %lld of %lld samples\n", what, done, samples);
    exit(1);
  }
  return done;
}

static int run_segments(const char *source, const char *list, const char *out_dir) {
  OggOpusFile *file = open_source(source);
  FILE *segments = fopen(list, "r");
  if (segments == NULL) {
    fprintf(stderr, "seek: cannot read %s\n", list);
    return 1;
  }
  long long start, end;
  int row = 0;
  char path[4096];
  while (fscanf(segments, "%lld %lld", &start, &end) == 2) {
    row++;
    int status = op_pcm_seek(file, start);
    if (status != 0) {
      fprintf(stderr, "seek: op_pcm_seek(%lld) failed with %d (row %d)\n", start, status, row);
      return 1;
    }
    snprintf(path, sizeof path, "%s/%d.f32", out_dir, row);
    FILE *out = fopen(path, "wb");
    if (out == NULL) {
      fprintf(stderr, "seek: cannot write %s\n", path);
      return 1;
    }
    read_samples(file, end - start, out, path);
    fclose(out);
  }
  fclose(segments);
  op_free(file);
  return 0;
}

static int run_decode(const char *source, const char *out_path) {
  OggOpusFile *file = open_source(source);
  FILE *out = fopen(out_path, "wb");
  if (out == NULL) {
    fprintf(stderr, "seek: cannot write %s\n", out_path);
    return 1;
  }
  read_samples(file, -1, out, out_path);
  fclose(out);
  op_free(file);
  return 0;
}

static int run_total(const char *source) {
  OggOpusFile *file = open_source(source);
  printf("%lld %d\n", (long long)op_pcm_total(file, -1), op_channel_count(file, -1));
  op_free(file);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "segments") == 0) return run_segments(argv[2], argv[3], argv[4]);
  if (argc == 4 && strcmp(argv[1], "decode") == 0) return run_decode(argv[2], argv[3]);
  if (argc == 3 && strcmp(argv[1], "total") == 0) return run_total(argv[2]);
  fprintf(stderr,
          "usage: seek segments <file|url> <segments.txt> <out-dir>\n"
          "       seek decode <file> <out.f32>\n"
          "       seek total <file|url>\n");
  return 2;
}
