"""The episode's parts joined into one CBR MP3 in-process, without decoding: the bytes ffmpeg's concat demuxer
writes with ``-c copy -write_xing 1`` (a test holds it to that), without starting ffmpeg, which took
0.15-0.3 s here, most of the time a cached edit's rebuild spends after its clips are placed.

Each part is an MP3 that ffmpeg's muxer wrote: one Info frame (the Xing header of a CBR file, with LAME's
extension), then the audio frames.  The joined file is a new Info frame, then every part's audio frames in
order.  The new frame is the first part's with the totals filled in as ffmpeg's muxer fills them
(``libavformat/mp3enc.c``): the frame and byte counts, the seek table, the encoder delay of the first part
and the padding of the last, the music length and its CRC-16, the muxer's name, and the tag's own CRC.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import RuntimeFailure
from ..fileio import atomic_write_bytes

#: MPEG-1 Layer III kbps by the header's bitrate index, and sample rates by its rate index.
_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_RATES = (44100, 48000, 32000)
#: Where the Info tag sits in a mono MPEG-1 frame: after the 4-byte header and 17 bytes of side information.
_TAG_AT = 4 + 17
_TOC = _TAG_AT + 16  # after "Info", the flags, the frame count and the byte count
_LAME = _TAG_AT + 120  # after the seek table (100) and the quality (4)
_DELAY = _LAME + 21  # encoder delay and padding, 12 bits each
_LENGTH = _LAME + 28  # music length (4), music CRC (2), tag CRC (2)
#: The short encoder name ffmpeg's muxer writes into a copied (not encoded) file's LAME tag.
ENCODER = b"Lavf"
#: ffmpeg's seek table keeps this many frame positions, halving them as the file grows.
_BAGS = 400


@dataclass(frozen=True)
class _Part:
    info: bytes  # its Info frame
    audio: bytes  # its audio frames
    frames: int
    delay: int
    padding: int
    crc: int  # CRC-16 of its audio frames


def join_parts(paths: Sequence[Path], target: Path) -> None:
    """Write the parts at ``paths``, in order, as one MP3 at ``target``."""
    parts = [_read(path) for path in paths]
    if not parts:
        raise RuntimeFailure("no parts to join", fix="build again with --force")
    info = bytearray(parts[0].info)
    info[_LAME : _LAME + 9] = ENCODER.ljust(9, b"\0")  # the muxer's name where the part had the encoder's
    size = len(info) + sum(len(part.audio) for part in parts)
    frames = sum(part.frames for part in parts)
    info[_TAG_AT + 8 : _TAG_AT + 16] = frames.to_bytes(4, "big") + size.to_bytes(4, "big")
    info[_TOC : _TOC + 100] = _seek_table(len(info), [part.audio for part in parts], size)
    info[_DELAY : _DELAY + 3] = ((parts[0].delay << 12) | parts[-1].padding).to_bytes(3, "big")
    crc = 0
    for part in parts:
        crc = _crc16_combine(crc, part.crc, len(part.audio))
    info[_LENGTH : _LENGTH + 6] = size.to_bytes(4, "big") + crc.to_bytes(2, "big")
    info[_LENGTH + 6 : _LENGTH + 8] = bytes(2)  # the tag's CRC covers its own field as zero
    info[_LENGTH + 6 : _LENGTH + 8] = _crc16(bytes(info[:190])).to_bytes(2, "big")
    atomic_write_bytes(target, b"".join([bytes(info), *(part.audio for part in parts)]))


def _read(path: Path) -> _Part:
    data = path.read_bytes()
    if len(data) < 4 or data[0] != 0xFF or data[1] & 0xE0 != 0xE0:
        raise RuntimeFailure(f"{path} does not start with an MP3 frame", fix="build again with --force")
    header = int.from_bytes(data[:4], "big")
    version, layer, bitrate, rate = (header >> 19) & 3, (header >> 17) & 3, (header >> 12) & 15, (header >> 10) & 3
    mono = (header >> 6) & 3 == 3
    if version != 3 or layer != 1 or not mono or not 0 < bitrate < 15 or rate > 2:
        raise RuntimeFailure(f"{path} is not a mono MPEG-1 Layer III part", fix="build again with --force")
    length = 144 * _BITRATES[bitrate] * 1000 // _RATES[rate] + ((header >> 9) & 1)
    info = data[:length]
    if info[_TAG_AT : _TAG_AT + 4] != b"Info" or len(info) < _LENGTH + 8:
        raise RuntimeFailure(f"{path} has no Info header", fix="build again with --force")
    timing = int.from_bytes(info[_DELAY : _DELAY + 3], "big")
    return _Part(
        info=info,
        audio=data[length:],
        frames=int.from_bytes(info[_TAG_AT + 8 : _TAG_AT + 12], "big"),
        delay=timing >> 12,
        padding=timing & 0xFFF,
        crc=int.from_bytes(info[_LENGTH + 4 : _LENGTH + 6], "big"),
    )


def _seek_table(first: int, audio: list[bytes], size: int) -> bytes:
    """The Xing seek table as ffmpeg's muxer builds it: the byte position after frames 1, 2, 3 … kept in
    ``_BAGS`` slots, every second one dropped (and twice as many frames per slot wanted) when they fill."""
    bag = [0] * _BAGS
    position, want, seen, at = 0, 1, 0, first
    for chunk in audio:
        frame = 0
        while frame < len(chunk):
            header = int.from_bytes(chunk[frame : frame + 4], "big")
            step = 144 * _BITRATES[(header >> 12) & 15] * 1000 // _RATES[(header >> 10) & 3] + ((header >> 9) & 1)
            if header >> 21 != 0x7FF or step <= 4:
                raise RuntimeFailure("a part's audio frames are damaged", fix="build again with --force")
            frame += step
            at += step
            seen += 1
            if seen == want:
                bag[position] = at
                position += 1
                if position == _BAGS:
                    for i in range(1, _BAGS, 2):
                        bag[i >> 1] = bag[i]
                    want *= 2
                    position = _BAGS // 2
                seen = 0
    table = bytearray(100)
    for i in range(1, 100):
        table[i] = min(256 * bag[i * position // 100] // size, 255)
    return bytes(table)


def _crc16_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc16_table()


def _crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC (ffmpeg's AV_CRC_16_ANSI_LE), as LAME's tag and music CRCs use."""
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc


def _crc16_combine(first: int, second: int, length: int) -> int:
    """The CRC of A then B from the CRC of A, that of B and B's length: A's register run through ``length``
    zero bytes (a linear map, raised to that power by squaring, as zlib's crc32_combine does), then B's."""
    register, bits, power = first, 8 * length, 0
    while bits:
        if bits & 1:
            register = _apply(_zero_bits_map(power), register)
        bits >>= 1
        power += 1
    return register ^ second


@functools.cache
def _zero_bits_map(power: int) -> tuple[int, ...]:
    """The map of 2**power zero bits, as the images of the register's 16 bits (the same for every part, so
    kept: squaring it afresh for each part took about a millisecond of the join's time)."""
    if power == 0:
        return tuple(0xA001 if bit == 0 else 1 << (bit - 1) for bit in range(16))
    half = list(_zero_bits_map(power - 1))
    return tuple(_apply(half, column) for column in half)


def _apply(operator: Sequence[int], vector: int) -> int:
    result, bit = 0, 0
    while vector:
        if vector & 1:
            result ^= operator[bit]
        vector >>= 1
        bit += 1
    return result
