"""The in-process join writes what ffmpeg's concat demuxer (``-c copy -write_xing 1``) writes from the same
parts: the same audio frames and the same Info header (frame and byte counts, seek table, encoder delay and
padding, music length and CRC), and a file ffmpeg decodes cleanly to every part's samples."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from conftest import ffmpeg_binary
from shalket_audio.audio.concat import _crc16, join_parts
from shalket_audio.audio.master import _encode_part

RATE = 44100
#: The LAME tag's encoder name (9 bytes after the Info tag's 120) and the tag's CRC: they name the muxer, which
#: differs between ffmpeg builds (``Lavf`` or ``Lavf59.27.100``); everything else must match.
NAME = slice(21 + 120, 21 + 129)
TAG_CRC = slice(21 + 154, 21 + 156)


def _parts(tmp_path: Path) -> list[Path]:
    parts = []
    for number, seconds in enumerate((1.3, 4.7, 0.9)):
        t = np.arange(int(RATE * seconds)) / RATE
        tone = (6000 * np.sin(2 * np.pi * (220 + 110 * number) * t)).astype("<i2")
        pcm = tmp_path / f"chapter{number}.raw"
        pcm.write_bytes(tone.tobytes())
        parts.append(_encode_part(pcm, 0.0, -2.5, tmp_path, f"part{number}", 96).path)
    return parts


def test_the_join_is_ffmpegs_concat_byte_for_byte(tmp_path: Path) -> None:
    parts = _parts(tmp_path)
    ours, theirs = tmp_path / "ours.mp3", tmp_path / "theirs.mp3"
    join_parts(parts, ours)
    listing = tmp_path / "parts.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in parts), encoding="utf-8")
    concat = ["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", "-id3v2_version", "0"]
    subprocess.run([ffmpeg_binary(), "-v", "error", "-y", *concat, "-write_id3v1", "0", str(theirs)], check=True)
    a, b = bytearray(ours.read_bytes()), bytearray(theirs.read_bytes())
    assert len(a) == len(b)
    assert a[NAME].rstrip(b"\0") == b"Lavf" and b[NAME].startswith(b"Lavf")
    crc = int.from_bytes(a[TAG_CRC], "big")
    a[TAG_CRC] = bytes(2)
    assert _crc16(bytes(a[:190])) == crc, "the tag's CRC covers the frame's first 190 bytes"
    for data in (a, b):
        data[NAME] = bytes(9)
        data[TAG_CRC] = bytes(2)
    assert a == b

    decoded = subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-i", str(ours), "-f", "s16le", "-"], capture_output=True, check=True
    )
    assert not decoded.stderr
    each = [
        subprocess.run([ffmpeg_binary(), "-v", "error", "-i", str(p), "-f", "s16le", "-"], capture_output=True).stdout
        for p in parts
    ]
    # Gapless: the decoder trims the first part's delay and the last one's padding, as for ffmpeg's join.
    assert len(decoded.stdout) > sum(len(e) for e in each)
