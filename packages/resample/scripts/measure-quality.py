"""Passband ripple, alias/image levels and phase of @granule/resample against sox and scipy.

Run from packages/resample after `npm run build` (the repository's root build):
    python3 scripts/measure-quality.py            # granule, sox, scipy
    CANDIDATES_DIR=/tmp/x python3 scripts/measure-quality.py   # also libsamplerate-js, speex
(where /tmp/x has `npm install @alexanderolsen/libsamplerate-js@2.1.2 @echogarden/speex-resampler-wasm@0.3.0`).

Method: every test tone has a whole number of hertz and lasts 3 s, followed by 1 s of
silence; all tones of one conversion go through each resampler as one file. The second
second of each tone in the output is exactly one period of everything in it (all rates
and tone frequencies are whole hertz), so a plain 1 s FFT measures each component exactly,
with no window and no leakage. For each tone: the gain at its own frequency, and every
other bin as spurious content (aliases, images, rounding noise), in dB relative to the tone.
"""
import json
import os
import subprocess
import sys
import tempfile
import wave

import numpy as np
from scipy.signal import resample_poly

HERE = os.path.dirname(os.path.abspath(__file__))
CANDIDATES = os.environ.get("CANDIDATES_DIR")
AMPLITUDE = 0.5
# Each engine is judged up to its own passband edge, as a fraction of the lower Nyquist frequency.
PASSBAND = {"granule:fast": 0.8}


def tones_for(in_rate, out_rate):
    """Test frequencies: the passband to 0.9 of the lower Nyquist, the transition, and (down) the stop band."""
    nyq = min(in_rate, out_rate) / 2
    top = in_rate / 2
    freqs = set(np.linspace(20, 0.9 * nyq, 24).round().astype(int).tolist())
    freqs |= set(np.linspace(0.9 * nyq, 0.995 * nyq, 8).round().astype(int).tolist())
    freqs |= {1000, 997}
    if in_rate > out_rate:
        freqs |= set(np.linspace(1.005 * nyq, 1.1 * nyq, 10).round().astype(int).tolist())
        freqs |= set(np.linspace(1.1 * nyq, min(0.995 * top, 4 * nyq), 24).round().astype(int).tolist())
    return sorted(f for f in freqs if 0 < f < top and f != nyq)


def signal(in_rate, freqs):
    block = 4 * in_rate
    x = np.zeros(block * len(freqs), dtype=np.float64)
    t = np.arange(3 * in_rate) / in_rate
    for k, f in enumerate(freqs):
        x[k * block : k * block + 3 * in_rate] = AMPLITUDE * np.sin(2 * np.pi * f * t)
    return x.astype(np.float32)


def write_wav(path, x, rate):
    # 32-bit float WAV (format 3) by hand: the wave module writes PCM only.
    data = x.astype("<f4").tobytes()
    header = b"RIFF" + (36 + len(data)).to_bytes(4, "little") + b"WAVEfmt "
    header += (16).to_bytes(4, "little") + (3).to_bytes(2, "little") + (1).to_bytes(2, "little")
    header += rate.to_bytes(4, "little") + (rate * 4).to_bytes(4, "little") + (4).to_bytes(2, "little")
    header += (32).to_bytes(2, "little") + b"data" + len(data).to_bytes(4, "little")
    with open(path, "wb") as f:
        f.write(header + data)


def read_wav_f32(path):
    with open(path, "rb") as f:
        raw = f.read()
    at = raw.index(b"data") + 8
    return np.frombuffer(raw[at:], dtype="<f4").astype(np.float64)


def run_engine(engine, x, in_rate, out_rate, tmp):
    if engine.startswith("sox"):
        flag = engine.split(":")[1]
        src, dst = os.path.join(tmp, "in.wav"), os.path.join(tmp, "out.wav")
        write_wav(src, x, in_rate)
        subprocess.run(["sox", "-V1", src, "-e", "floating-point", "-b", "32", dst, "rate", f"-{flag}", str(out_rate)], check=True)
        return read_wav_f32(dst)
    if engine.startswith("scipy"):
        g = np.gcd(in_rate, out_rate)
        return resample_poly(x.astype(np.float64), out_rate // g, in_rate // g)
    src, dst = os.path.join(tmp, "in.f32"), os.path.join(tmp, "out.f32")
    x.astype("<f4").tofile(src)
    subprocess.run(["node", os.path.join(HERE, "resample-raw.mjs"), engine, src, dst, str(in_rate), str(out_rate)], check=True)
    return np.fromfile(dst, dtype="<f4").astype(np.float64)


def analyse(y, freqs, in_rate, out_rate, edge):
    nyq = min(in_rate, out_rate) / 2
    out_nyq = out_rate / 2
    gains, spurious_pass, spurious_any, phase_deg = [], -400.0, -400.0, None
    for k, f in enumerate(freqs):
        start = (4 * k + 1) * out_rate
        window = y[start : start + out_rate]
        if len(window) < out_rate:
            window = np.concatenate([window, np.zeros(out_rate - len(window))])
        spectrum = np.fft.rfft(window) / (out_rate / 2) / AMPLITUDE
        level = 20 * np.log10(np.abs(spectrum) + 1e-30)
        if f < out_nyq:
            if f <= edge * nyq:
                gains.append(level[f])
            if f == 1000:
                # The input tone is sin(2 pi f t) from t = 0: at t = 1 s its phase is -90 degrees.
                phase_deg = float(np.degrees(np.angle(spectrum[f])) + 90)
            level[f] = -400
        bins = np.arange(len(level))
        spurious_pass = max(spurious_pass, float(level[bins <= edge * nyq].max()))
        spurious_any = max(spurious_any, float(level[1:].max()))
    return {
        "ripple_db": float(max(gains) - min(gains)),
        "gain_min_db": float(min(gains)),
        "gain_max_db": float(max(gains)),
        "alias_in_passband_db": spurious_pass,
        "passband_edge": edge,
        "alias_anywhere_db": spurious_any,
        "phase_1khz_deg": phase_deg,
    }


def main():
    conversions = [(48000, 32000), (44100, 48000), (48000, 16000), (48000, 22050), (384000, 192000)]
    engines = ["granule:fast", "granule:high", "granule:strict", "sox:h", "sox:v", "scipy:default"]
    if CANDIDATES:
        engines += ["libsamplerate:best", "libsamplerate:medium", "speex:10"]
    if len(sys.argv) > 1:
        engines = sys.argv[1].split(",")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for in_rate, out_rate in conversions:
            freqs = tones_for(in_rate, out_rate)
            x = signal(in_rate, freqs)
            for engine in engines:
                try:
                    y = run_engine(engine, x, in_rate, out_rate, tmp)
                except subprocess.CalledProcessError:
                    print(f"{in_rate:>6}->{out_rate:<6} {engine:<21} failed (rate not supported?)", flush=True)
                    continue
                edge = PASSBAND.get(engine, 0.9)
                r = analyse(y, freqs, in_rate, out_rate, edge)
                r.update({"engine": engine, "in": in_rate, "out": out_rate, "tones": len(freqs)})
                results.append(r)
                print(
                    f"{in_rate:>6}->{out_rate:<6} {engine:<21} to {edge}: ripple {r['ripple_db']:.4f} dB"
                    f"  alias in passband {r['alias_in_passband_db']:7.1f} dB  anywhere {r['alias_anywhere_db']:7.1f} dB"
                    f"  phase@1kHz {r['phase_1khz_deg']:+.4f} deg",
                    flush=True,
                )
    with open(os.path.join(tempfile.gettempdir(), "resample-quality.json"), "w") as f:
        json.dump(results, f, indent=1)


main()
