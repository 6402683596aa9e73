"""How the thresholds were chosen: ``python -m shalket_audio.bench.calibrate [SCRIPT]``.

On a built episode (its clips in the cache), three sets of clips are heard and measured:

- **as built**: every clip of the episode;
- **a word cut**: every clip with one word cut out of its audio by ffmpeg (the middle word of four
  letters or more, located by the recognizer's word times);
- **other text**: every clip's transcript compared with the next clip's text, as a clip synthesized
  from the wrong text would be.

Each is judged as ``verify`` judges it: a clip the first hearing flags is heard twice more, decoded
differently, and the hearing that matches its text best counts.  It then prints, for candidate
thresholds, how many clips of each set would be "to check", and the longest pause inside any clip per
voice.  The README records one run and the choice made from it.
"""

from __future__ import annotations

import argparse
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio.ffmpeg import ffmpeg_binary
from ..script import load_script
from ..synth import DEFAULT_PROFILE, ClipCache, cast, synthesize_episode
from ..verify.align import Alignment, key
from ..verify.check import ClipCheck, best_hearing, compare
from ..verify.recognizer import Recognizer, load_clip_audio, longest_pause_ms
from ..voices import default_registry


@dataclass(frozen=True)
class Measured:
    line: int
    voice: str
    clean: Alignment
    cut_word: str
    cut: Alignment
    other: Alignment
    pause_ms: int


def cut_word(path: Path, start: float, end: float) -> np.ndarray:
    """The clip at 16 kHz without the audio between ``start`` and ``end`` (seconds), cut by ffmpeg."""
    result = subprocess.run(
        [
            ffmpeg_binary(),
            "-v",
            "error",
            "-i",
            str(path),
            "-af",
            f"aselect='not(between(t,{start:.3f},{end:.3f}))',asetpts=N/SR/TB",
            "-ac",
            "1",
            "-ar",
            "16000",
            "-f",
            "f32le",
            "pipe:1",
        ],
        capture_output=True,
        check=True,
    )
    return np.frombuffer(result.stdout, dtype="<f4")


def measure(script: Path) -> list[Measured]:
    episode = load_script(script)
    synthesis = synthesize_episode(episode, cast(episode, DEFAULT_PROFILE, default_registry()), ClipCache())
    lexicon, phonemes = dict(episode.lexicon), dict(episode.phonemes)
    recognizer = Recognizer()
    clips = [(s, text, clip) for s in synthesis.segments for text, clip in zip(s.chunks, s.clips, strict=True)]

    def judged(audio: np.ndarray, transcript: str, text: str, pause: int, clip: Path) -> Alignment:
        first = ClipCheck(
            0, 0, 0, "", "", text, transcript, 0, pause, compare(text, transcript, lexicon, phonemes), False, clip
        )
        if not first.to_check:
            return first.alignment
        return best_hearing(first, tuple(recognizer.second_opinions(audio)), lexicon, phonemes).alignment

    results = []
    for index, (segment, text, clip) in enumerate(clips):
        audio = load_clip_audio(clip.path, clip.format)
        pause = longest_pause_ms(audio)
        transcript = recognizer.transcribe(audio)
        words = recognizer.words(audio)
        long_words = [w for w in words[1:-1] if len(key(w.text)) >= 4] or [w for w in words if key(w.text)]
        target = long_words[len(long_words) // 2] if long_words else None
        damaged = cut_word(clip.path, target.start, target.end) if target else audio
        other_text = clips[(index + 1) % len(clips)][1]
        results.append(
            Measured(
                segment.segment.line,
                str(segment.voice),
                judged(audio, transcript, text, pause, clip.path),
                target.text if target else "",
                judged(damaged, recognizer.transcribe(damaged), text, pause, clip.path),
                judged(audio, transcript, other_text, pause, clip.path),
                pause,
            )
        )
    return results


def flagged(alignment: Alignment, max_missing: int, max_wer: float) -> bool:
    return len(alignment.missing) >= max_missing or alignment.wer >= max_wer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script", nargs="?", default="script/shal-ket.md", type=Path)
    args = parser.parse_args()
    results = measure(args.script)
    total = len(results)
    print(f"{args.script}: {total} clips")
    print("  missing>=  WER>=   as built   a word cut   other text   (clips to check)")
    for max_missing in (1, 2, 1000):
        for max_wer in (0.1, 0.15, 0.2, 0.25, 0.3):
            counts = [
                sum(flagged(getattr(r, kind), max_missing, max_wer) for r in results)
                for kind in ("clean", "cut", "other")
            ]
            label = "-" if max_missing == 1000 else str(max_missing)
            print(
                f"  {label:>9}  {max_wer:>5.2f}  {counts[0]:>5}/{total}  {counts[1]:>7}/{total}  {counts[2]:>7}/{total}"
            )
    for voice in dict.fromkeys(r.voice for r in results):
        mine = [r for r in results if r.voice == voice]
        words = sum(r.clean.expected_count for r in mine)
        errors = sum(r.clean.errors for r in mine)
        print(
            f"  {voice}: {len(mine)} clips, {words} words, WER {errors / words:.1%}, "
            f"longest pause inside a clip {max(r.pause_ms for r in mine)} ms"
        )
    print("  as built, with any word missing or WER >= 0.1:")
    for r in results:
        if r.clean.missing or r.clean.wer >= 0.1:
            heard = ", ".join(f"{e}->{h}" for e, h in r.clean.misheard)
            print(f"    line {r.line} ({r.voice}): WER {r.clean.wer:.0%}, missing {r.clean.missing}, heard {heard}")


if __name__ == "__main__":
    main()
