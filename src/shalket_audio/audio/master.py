"""The episode's one loudness pass and its MP3, encoded chapter by chapter.

One gain brings the matched voices to -16 LUFS (dual-mono); a look-ahead
limiter keeps sample peaks under a ceiling with margin for the encoder's
overshoot.  Each part (a chapter, or a stretch of one cut in a pause: see
``assemble.py``) is encoded on its own, two at a time, and kept in a parts
cache keyed by its recipe, so a rebuild after an edit encodes only the part
that changed; ``concat.py`` then
joins the parts without re-encoding into one CBR file with a fresh Info header.
Each part is encoded to a real file and, through the tee muxer, to a decoder
whose PCM is measured while the encoder runs: the loudness reported is that of
the MP3 audio.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import re
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import RuntimeFailure
from ..fileio import atomic_write_bytes
from ..voices.formats import wav_writer
from . import PARTS_VERSION
from .concat import join_parts
from .ffmpeg import ffmpeg_binary, ffmpeg_version
from .levels import MAX_TRUE_PEAK_DBTP, TARGET_LUFS, Loudness
from .loudness import EnergyMeter, PeakMeter, gated_loudness

SAMPLE_RATE = 44100
MP3_FRAME = 1152
#: The limiter's sample-peak ceiling starts this far under the true-peak limit: MP3 encoding raises peaks.
LIMITER_MARGIN_DB = 1.5
#: At 96 kbps LAME low-passes the top octave, which K-weighting counts: the MP3 measures about this much
#: quieter than the PCM it came from, so the PCM is aimed that much higher.
CODEC_LOSS_LU = 0.3
#: Encoding again is worth it only when a pass lands this far off target.
LOUDNESS_TOLERANCE_LU = 0.5
ENCODER_SETTINGS = ("-c:a", "libmp3lame", "-ar", str(SAMPLE_RATE), "-ac", "1", "-compression_level", "5")
_BLOCK = SAMPLE_RATE * 20
_LOOKAHEAD = SAMPLE_RATE * 8 // 1000  # 8 ms: catches a peak before it arrives
_SMOOTH = SAMPLE_RATE * 8 // 1000


@dataclass(frozen=True)
class Part:
    path: Path
    samples: int  # PCM samples that went in
    frames: int  # MP3 frames that came out
    sub_blocks: np.ndarray  # 100 ms K-weighted energies of the decoded MP3
    true_peak_dbtp: float


@dataclass(frozen=True)
class Mastered:
    path: Path
    loudness: Loudness
    encodes: int  # parts encoded (the rest came from the parts cache)
    passes: int  # loudness passes: 1 unless the first missed the target
    gain_db: float
    #: per part, how much later (ms) its audio sits in the MP3 than in the PCM: every join adds the
    #: encoder's padding and delay, in the silence between parts.
    offsets_ms: tuple[int, ...]
    sub_blocks: np.ndarray


def frame_fit(samples: int) -> int:
    """How many samples to leave out of the end of a part ``samples`` long so that, encoded, it plays for the
    whole number of frames nearest its length: a cut then lengthens its pause by nothing, give or take half
    a frame (13 ms), and each part's audio still depends on its own content alone.  This ffmpeg's LAME makes
    n samples into ceil(n / 1152) + 1 frames (its delay and padding; measured at every bitrate, and
    ``tests/audio/test_parts.py`` checks it), so a part of whole frames comes out one frame longer."""
    frames = max(2, round(samples / MP3_FRAME))
    return samples - (frames - 1) * MP3_FRAME


def limit(samples: np.ndarray, gain_db: float, ceiling_dbfs: float) -> np.ndarray:
    """Gain, then a look-ahead limiter: no output sample exceeds the ceiling.

    Only the neighbourhoods of samples over the ceiling are touched.  There the
    gain each sample needs is min-filtered over ±LOOKAHEAD and averaged over
    SMOOTH (< LOOKAHEAD), so every averaged value is at most what each sample
    needs, and the gain still moves smoothly.
    """
    out = np.empty(len(samples), dtype=np.int16)
    at = 0
    for block in limited_blocks(lambda lo, hi: samples[lo:hi], len(samples), gain_db, ceiling_dbfs):
        out[at : at + len(block)] = block
        at += len(block)
    return out


def limited_blocks(
    read: Callable[[int, int], np.ndarray], length: int, gain_db: float, ceiling_dbfs: float
) -> Iterator[np.ndarray]:
    """``limit`` in 20 s blocks, each read with the margin its limiter needs: memory stays flat at any length,
    and the output is the same as limiting the whole (the margin covers every neighbourhood that matters)."""
    gain = np.float32(10 ** (gain_db / 20))
    ceiling = np.float32(32768 * 10 ** (ceiling_dbfs / 20))
    pad = 2 * (_LOOKAHEAD + _SMOOTH)
    for start in range(0, length, _BLOCK):
        end = min(length, start + _BLOCK)
        lo, hi = max(0, start - pad), min(length, end + pad)
        block = read(lo, hi).astype(np.float32)
        block *= gain
        _limit_in_place(block, ceiling)
        np.rint(block, out=block)
        np.clip(block, -32768, 32767, out=block)
        yield block[start - lo : end - lo].astype(np.int16)


def _limit_in_place(x: np.ndarray, ceiling: np.float32) -> None:
    over = np.flatnonzero(np.abs(x) > ceiling)
    if not len(over):
        return
    pad = _LOOKAHEAD + _SMOOTH
    # Peaks whose neighbourhoods touch are limited together.
    for group in np.split(over, np.flatnonzero(np.diff(over) > 2 * pad) + 1):
        lo, hi = max(0, int(group[0]) - 2 * pad), min(len(x), int(group[-1]) + 2 * pad + 1)
        region = x[lo:hi]
        need = np.minimum(np.float32(1), ceiling / np.maximum(np.abs(region), np.float32(1e-3)))
        held = _sliding_min(np.pad(need, _LOOKAHEAD, constant_values=1.0), 2 * _LOOKAHEAD + 1)
        sums = np.concatenate(([0.0], np.cumsum(np.pad(held, (_SMOOTH // 2, _SMOOTH - 1 - _SMOOTH // 2), mode="edge"))))
        smooth = ((sums[_SMOOTH:] - sums[:-_SMOOTH]) / _SMOOTH).astype(np.float32)
        region *= np.minimum(smooth, need)


def _sliding_min(x: np.ndarray, size: int) -> np.ndarray:
    """Minimum of every window of ``size`` consecutive values, in O(n) (van Herk / Gil-Werman)."""
    count = len(x) - size + 1
    blocks = -(-len(x) // size)
    padded = np.full(blocks * size, np.inf, dtype=np.float32)
    padded[: len(x)] = x
    shaped = padded.reshape(blocks, size)
    prefix = np.minimum.accumulate(shaped, axis=1).ravel()
    suffix = np.minimum.accumulate(shaped[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.minimum(suffix[:count], prefix[size - 1 : size - 1 + count])


class PartPCM(Protocol):
    """A part's raw PCM (s16le, 44.1 kHz mono): ``key`` names what it is made from, ``write`` makes its file
    (only called for a part whose encoding is not cached)."""

    @property
    def key(self) -> str: ...

    def write(self) -> Path: ...


def master(
    pcm_parts: Sequence[PartPCM],
    gain_db: float,
    parts_dir: Path,
    target: Path,
    bitrate: int,
) -> Mastered:
    """Encode to ``target`` at -16 LUFS / at most -1 dBTP, measured on the MP3 audio; redo only if it missed.

    ``pcm_parts``: each part's raw PCM; a part whose encoding (keyed by the part's key and the settings) is
    cached is neither written nor read.  ``gain_db`` is the episode gain the caller predicts.
    """
    if not np.isfinite(gain_db):
        raise RuntimeFailure(
            f"the episode gain is {gain_db} dB: the audio is silent", fix="give the segments words to say"
        )
    ceiling = MAX_TRUE_PEAK_DBTP - LIMITER_MARGIN_DB
    gain, encoded, passes = gain_db, set[int](), 0
    while passes < 3:
        passes += 1
        # Part by part, so a part's audio depends only on its own content, the gain and the ceiling.
        parts, made = _parts(pcm_parts, gain, ceiling, parts_dir, bitrate)
        encoded.update(made)
        energies = np.concatenate([part.sub_blocks for part in parts])
        loudness = Loudness(round(gated_loudness(energies), 1), round(max(p.true_peak_dbtp for p in parts), 1))
        off = TARGET_LUFS - loudness.integrated_lufs
        over = loudness.true_peak_dbtp - (MAX_TRUE_PEAK_DBTP - 0.1)
        if abs(off) <= LOUDNESS_TOLERANCE_LU and over <= 0:
            break
        if not np.isfinite(off):  # silent once encoded: no gain can fix that, and an infinite one makes NaNs
            break
        gain += off
        if over > 0:
            ceiling -= over + 0.2
    # Three passes and still off (or silent): accept only what meets the standard itself.
    if not abs(TARGET_LUFS - loudness.integrated_lufs) <= 1.0 or loudness.true_peak_dbtp > MAX_TRUE_PEAK_DBTP:
        raise RuntimeFailure(
            f"could not reach {TARGET_LUFS:g} LUFS and {MAX_TRUE_PEAK_DBTP:g} dBTP: the MP3 measured "
            f"{loudness.integrated_lufs:.1f} LUFS, {loudness.true_peak_dbtp:.1f} dBTP",
            fix="check the clips for clipping or silence: `shalket-audio cache clear`, then build again",
        )
    join_parts([part.path for part in parts], target)
    offsets, extra = [], 0
    for part in parts:
        offsets.append(round(extra * 1000 / SAMPLE_RATE))
        extra += part.frames * MP3_FRAME - part.samples
    _prune(parts_dir, {part.path for part in parts})
    return Mastered(target, loudness, len(encoded), passes, gain, tuple(offsets), energies)


def _parts(
    pcm_parts: Sequence[PartPCM], gain: float, ceiling: float, parts_dir: Path, bitrate: int
) -> tuple[list[Part], list[int]]:
    """Each part limited and encoded, from the cache (keyed by its input and settings) or now, two at a time."""
    parts_dir.mkdir(parents=True, exist_ok=True)
    settings = json.dumps(
        [PARTS_VERSION, ffmpeg_version(), bitrate, *ENCODER_SETTINGS, round(gain, 6), round(ceiling, 6)]
    )
    keys = [hashlib.sha256(f"{settings}/{pcm.key}".encode()).hexdigest()[:32] for pcm in pcm_parts]
    found: dict[int, Part] = {}
    for index, key in enumerate(keys):
        part = _cached_part(parts_dir, key)
        if part is not None:
            found[index] = part
    missing = [index for index in range(len(pcm_parts)) if index not in found]
    with ThreadPoolExecutor(max_workers=2) as pool:  # LAME is single-threaded: one part per core
        for index, part in zip(
            missing,
            pool.map(lambda i: _encode_part(pcm_parts[i].write(), gain, ceiling, parts_dir, keys[i], bitrate), missing),
            strict=True,
        ):
            found[index] = part
    return [found[index] for index in range(len(pcm_parts))], missing


#: Parts read in this process, by their files' stamps: a watch reads each part's record and checks its MP3
#: once, not on every save (41 parts of the committed episode: about 0.05 s a build).
_read_parts: dict[Path, tuple[tuple[int, ...], Part]] = {}


def _cached_part(parts_dir: Path, key: str) -> Part | None:
    mp3, meta = parts_dir / f"{key}.mp3", parts_dir / f"{key}.npz"
    try:
        stamp = (*_stamp(mp3), *_stamp(meta))
        known = _read_parts.get(mp3)
        if known is not None and known[0] == stamp:
            return known[1]
        with np.load(meta) as data:
            if hashlib.sha256(mp3.read_bytes()).hexdigest() != str(data["mp3_sha256"]):
                return None
            part = Part(mp3, int(data["samples"]), int(data["frames"]), data["sub_blocks"], float(data["true_peak"]))
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    _read_parts[mp3] = (stamp, part)
    return part


def read_parts(parts_dir: Path) -> None:
    """Every part kept in ``parts_dir`` read and checked now, a watch's head start: its first edit then reads
    none (about 0.08 s of the first edit's build, measured)."""
    for meta in parts_dir.glob("*.npz"):
        _cached_part(parts_dir, meta.stem)


def _stamp(path: Path) -> tuple[int, int, int, int]:
    """What changes when a file is written again, even by a tool that puts its modification time back."""
    stat = path.stat()
    return stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns


def _encode_part(source: Path, gain: float, ceiling: float, parts_dir: Path, key: str, bitrate: int) -> Part:
    """The part limited into a WAV, encoded to a CBR MP3 file (LAME seeks back to write its Info header)
    and, via tee, to a decoder whose output is measured as it arrives: nothing holds the whole chapter."""
    ffmpeg = ffmpeg_binary()
    length = source.stat().st_size // 2
    with tempfile.TemporaryDirectory(prefix=".part-", dir=parts_dir) as tmp:
        wav, encoded = Path(tmp) / "part.wav", Path(tmp) / "part.mp3"
        with source.open("rb") as pcm, wav_writer(str(wav), SAMPLE_RATE) as out:

            def read(lo: int, hi: int) -> np.ndarray:
                pcm.seek(2 * lo)
                return np.frombuffer(pcm.read(2 * (hi - lo)), dtype="<i2")

            for block in limited_blocks(read, length, gain, ceiling):
                out.writeframes(block.astype("<i2").tobytes())
        # The logs go to the system's temporary folder: on a full disk they are what says so.
        with tempfile.TemporaryFile() as encoder_log, tempfile.TemporaryFile() as log:
            encoder = subprocess.Popen(
                [
                    *(ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-y", "-i", str(wav), "-map", "0:a"),
                    *ENCODER_SETTINGS,
                    *("-b:a", f"{bitrate}k", "-id3v2_version", "0", "-write_id3v1", "0"),
                    *("-f", "tee", f"[f=mp3:id3v2_version=0]{_tee_escape(encoded)}|[f=mp3]pipe:1"),
                ],
                stdout=subprocess.PIPE,
                stderr=encoder_log,
            )
            decoder = subprocess.Popen(
                [ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-f", "mp3", "-i", "pipe:0", "-f", "s16le", "-"],
                stdin=encoder.stdout,
                stdout=subprocess.PIPE,
                stderr=log,
            )
            assert encoder.stdout is not None and decoder.stdout is not None
            encoder.stdout.close()  # the decoder holds it now
            energy, peak = EnergyMeter(SAMPLE_RATE), PeakMeter()
            odd = b""
            while data := decoder.stdout.read(1 << 20):
                data = odd + data
                odd = data[len(data) // 2 * 2 :]
                decoded = np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2")
                energy.add(decoded)
                peak.add(decoded)
            decoder.stdout.close()
            if encoder.wait() != 0 or decoder.wait() != 0:
                encoder_log.seek(0)
                log.seek(0)
                errors = (encoder_log.read() or log.read()).decode(errors="replace")
                if "No space left on device" in errors:  # the encoder's own write: named like any other
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(parts_dir / f"{key}.mp3"))
                detail = errors.strip().splitlines()[-1:] or ["no detail"]
                raise RuntimeFailure(
                    f"ffmpeg could not encode the episode: {detail[0]}", fix="check that `ffmpeg -version` works"
                )
        data = encoded.read_bytes()
        part = Part(parts_dir / f"{key}.mp3", length, _frame_count(data), energy.energies(), peak.dbtp())
        atomic_write_bytes(part.path, data)
        buffer = io.BytesIO()
        np.savez(
            buffer,
            samples=part.samples,
            frames=part.frames,
            sub_blocks=part.sub_blocks,
            true_peak=part.true_peak_dbtp,
            mp3_sha256=hashlib.sha256(data).hexdigest(),
        )
        atomic_write_bytes(parts_dir / f"{key}.npz", buffer.getvalue())
        _read_parts[part.path] = ((*_stamp(part.path), *_stamp(parts_dir / f"{key}.npz")), part)
        return part


def _frame_count(data: bytes) -> int:
    """Frames in a CBR MP3 from its Info header (written by LAME/ffmpeg in the first frame)."""
    at = data.find(b"Info", 0, 200)
    if at < 0:
        at = data.find(b"Xing", 0, 200)
    if at < 0 or not int.from_bytes(data[at + 4 : at + 8], "big") & 1:
        raise RuntimeFailure("the encoder wrote no Info header", fix="check that ffmpeg writes to a seekable file")
    # The Info frame itself is not counted in the header's frame count, but decoders output it as silence
    # only when they do not recognise it; ffmpeg recognises it, so audio frames = the count.
    return int.from_bytes(data[at + 8 : at + 12], "big")


def _prune(parts_dir: Path, keep: set[Path]) -> None:
    """Parts this build used are kept, and as many again of the most recently used others, so undoing an
    edit (or toggling a pause) re-encodes nothing; older ones are deleted, so the folder stays small."""
    for path in keep:
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: the most recent
            known = _read_parts.get(path)
            if known is not None:  # touched by this process, not changed: still known
                _read_parts[path] = ((*_stamp(path), *known[0][4:]), known[1])
    others = []
    for path in parts_dir.glob("*.mp3"):
        if path not in keep:
            with contextlib.suppress(OSError):
                others.append((path.stat().st_mtime_ns, path))
    others.sort(reverse=True)
    for _, path in others[len(keep) :]:
        _read_parts.pop(path, None)
        path.unlink(missing_ok=True)
        path.with_suffix(".npz").unlink(missing_ok=True)


def _tee_escape(path: Path) -> str:
    return re.sub(r"([\[\]|\\:'])", r"\\\1", str(path))
