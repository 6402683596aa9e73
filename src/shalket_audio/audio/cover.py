"""A generated square cover for scripts that name none: title, show and guest on a calm gradient."""

from __future__ import annotations

import io
import json
import textwrap
import warnings
from pathlib import Path

from ..errors import ScriptError
from ..fileio import file_sha256
from ..script import Episode

SIZE = 1400
MAX_BYTES = 500_000


def cover_jpeg(episode: Episode) -> bytes:
    """The script's cover (as JPEG), or a generated one."""
    if episode.metadata.cover:
        base = episode.path.parent if episode.path else Path.cwd()
        return _load_cover(base / episode.metadata.cover, episode)
    return generate_cover(episode)


def cover_identity(episode: Episode) -> str:
    """What the cover depends on, cheaply: the file's bytes, or what the generated cover shows."""
    meta = episode.metadata
    if meta.cover:
        base = episode.path.parent if episode.path else Path.cwd()
        try:
            return "file:" + file_sha256(base / meta.cover)
        except OSError:
            return f"missing:{meta.cover}"
    guests = [s.name for s in episode.speakers if s.role == "guest"]
    return "generated:1:" + json.dumps([meta.show, meta.title, meta.author, guests], ensure_ascii=False)


#: Pixels of the largest cover opened (8000 x 8000): the header is checked before anything is decoded, so an
#: image that claims to be huge (a decompression bomb) never reaches memory.
MAX_PIXELS = 64_000_000


def _load_cover(path: Path, episode: Episode) -> bytes:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise Image.DecompressionBombError(f"{width}x{height}")
                image.load()
                picture = image.convert("RGB")
    except FileNotFoundError:
        raise ScriptError(
            f"the cover {path} does not exist",
            path=episode.path,
            line=_cover_line(episode),
            fix="fix 'cover:' in the front matter",
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ScriptError(
            f"the cover {path} is too large to open safely (a decompression bomb, or over "
            f"{MAX_PIXELS // 1_000_000} megapixels): {exc}",
            path=episode.path,
            line=_cover_line(episode),
            fix=f"use a square image of 1400x1400 to 3000x3000 pixels (at most {MAX_PIXELS // 1_000_000} megapixels)",
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ScriptError(
            f"the cover {path} is not an image",
            path=episode.path,
            line=_cover_line(episode),
            fix="use a JPEG or PNG file",
        ) from None
    side = min(picture.size)
    if side < SIZE:
        raise ScriptError(
            f"the cover {path} is {picture.size[0]}x{picture.size[1]}; podcast apps need at least {SIZE}x{SIZE}",
            path=episode.path,
            line=_cover_line(episode),
            fix="use a larger square image",
        )
    left, top = (picture.width - side) // 2, (picture.height - side) // 2
    picture = picture.crop((left, top, left + side, top + side)).resize((min(side, 3000),) * 2)
    return _compact_jpeg(picture)


def _cover_line(episode: Episode) -> int | None:
    """The front-matter line that names the cover, for the error message."""
    try:
        lines = episode.path.read_text(encoding="utf-8").splitlines() if episode.path else []
    except (OSError, UnicodeError):
        return None
    return next((number for number, line in enumerate(lines, 1) if line.startswith("cover:")), None)


def generate_cover(episode: Episode) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (SIZE, SIZE))
    draw = ImageDraw.Draw(image)
    top, bottom = (22, 30, 48), (92, 36, 44)  # night blue into a deep, dried-blood red
    for y in range(SIZE):
        t = y / (SIZE - 1)
        draw.line([(0, y), (SIZE, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    accent = (236, 196, 120)
    margin = 120
    # A quiet waveform band: the episode is speech.
    for i, x in enumerate(range(margin, SIZE - margin, 18)):
        height = 18 + (i * 37 % 23) * 4 + (i * 13 % 7) * 6
        draw.rounded_rectangle([x, 1010 - height, x + 8, 1010 + height], radius=4, fill=(*accent, 255))

    def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        return ImageFont.load_default(size=size)

    meta = episode.metadata
    draw.text((margin, margin), (meta.show or "Podcast").upper(), font=font(44), fill=accent)
    title = meta.title.replace("“", "").replace("”", "")
    y = margin + 110
    for line in textwrap.wrap(title, width=20)[:5]:
        draw.text((margin, y), line, font=font(96), fill=(246, 240, 230))
        y += 112
    guests = [s.name for s in episode.speakers if s.role == "guest"]
    if guests:
        draw.text((margin, 1200), "with " + " & ".join(guests), font=font(52), fill=(246, 240, 230))
    if meta.author:
        draw.text((margin, 1270), "by " + meta.author, font=font(40), fill=accent)
    return _compact_jpeg(image)


def _compact_jpeg(image: object) -> bytes:
    for quality in (88, 80, 70, 60, 50):
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)  # type: ignore[attr-defined]
        if buffer.tell() <= MAX_BYTES:
            break
    return buffer.getvalue()
