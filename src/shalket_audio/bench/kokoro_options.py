"""Kokoro's ONNX Runtime options compared: ``python -m shalket_audio.bench.kokoro_options [CHUNKS] [CONFIGS]``.

Each configuration runs in fresh processes on the same prepared chunks of
the committed script, in one run, so they share the machine's state.
Reported: CPU time (user+sys of the processes), seconds of speech per CPU
second and per wall second, and each process's peak RSS. CHUNKS are indices
of the script's prepared chunks (default ``4,24,28,23``: one long, three
short). The figures of one run are in the README, "Benchmark".
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

#: name, session options, processes.
CONFIGS: list[tuple[str, dict[str, Any], int]] = [
    ("default (floor)", {}, 1),
    ("intra1 (worker now)", {"intra": 1, "inter": 1}, 1),
    ("2 procs x intra1", {"intra": 1, "inter": 1}, 2),
    ("intra1 no arena", {"intra": 1, "inter": 1, "no_arena": True}, 1),
    ("intra1 no arena/pattern", {"intra": 1, "inter": 1, "no_arena": True, "no_pattern": True}, 1),
    ("intra1 opt BASIC", {"intra": 1, "inter": 1, "opt": "ORT_ENABLE_BASIC"}, 1),
    ("intra1 joined short", {"intra": 1, "inter": 1, "join": True}, 1),
    ("intra1 at most 200 tokens a call", {"intra": 1, "inter": 1, "limit": 200}, 1),
    ("intra1 arena grows as requested", {"intra": 1, "inter": 1, "same_as_requested": True}, 1),
    ("default, convolutions as GEMM (convgemm.py)", {"convgemm": True}, 1),
    ("intra1, convolutions as GEMM", {"intra": 1, "inter": 1, "convgemm": True}, 1),
    ("2 procs x intra1, convolutions as GEMM (the build's)", {"intra": 1, "inter": 1, "convgemm": True}, 2),
]

_WORKER = r"""
import json, sys, time, resource
import numpy as np, onnxruntime as ort
from shalket_audio.voices.phonemes import batches, phonemize
from shalket_audio.voices.kokoro.assets import vocab, packaged_model, voice_file, MODEL_SHA256
from shalket_audio.voices.kokoro.convgemm import fast_model
cfg, chunks = json.loads(sys.argv[1]), json.loads(sys.argv[2])
model = fast_model(packaged_model(), MODEL_SHA256) if cfg.get("convgemm") else packaged_model()
o = ort.SessionOptions()
if cfg.get("intra") is not None: o.intra_op_num_threads = cfg["intra"]
if cfg.get("inter") is not None: o.inter_op_num_threads = cfg["inter"]
if cfg.get("opt"): o.graph_optimization_level = getattr(ort.GraphOptimizationLevel, cfg["opt"])
if cfg.get("no_arena"): o.enable_cpu_mem_arena = False
if cfg.get("no_pattern"): o.enable_mem_pattern = False
if cfg.get("same_as_requested"):  # the shared CPU arena grows by what is asked, not by powers of two
    info = ort.OrtMemoryInfo("Cpu", ort.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, ort.OrtMemType.DEFAULT)
    ort.create_and_register_allocator(info, ort.OrtArenaCfg(0, 1, -1, -1))
    o.add_session_config_entry("session.use_env_allocators", "1")
s = ort.InferenceSession(str(model), sess_options=o, providers=["CPUExecutionProvider"])
styles = np.fromfile(voice_file(sys.argv[3])[0], dtype=np.float32).reshape(-1, 1, 256)
v, texts = vocab(), chunks
if cfg.get("join"):  # short sentences batched: consecutive chunks in one call, up to 400 characters
    texts, cur = [], ""
    for c in chunks:
        if cur and len(cur) + len(c) > 400: texts.append(cur); cur = c
        else: cur = (cur + " " + c).strip()
    texts.append(cur)
samples = 0
for text in texts:
    for tokens in batches(phonemize(text, "en-us"), v, cfg.get("limit", 510)):
        inputs = {s.get_inputs()[0].name: np.array([[0, *tokens, 0]], dtype=np.int64),
                  "style": styles[len(tokens) - 1], "speed": np.array([1.0], dtype=np.float32)}
        samples += s.run(None, inputs)[0].size
print(json.dumps({"audio_s": samples / 24000, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(config: dict[str, Any], chunks: list[str], voice: str, processes: int) -> dict[str, float]:
    parts = [chunks[i::processes] for i in range(processes)]
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    running = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, json.dumps(config), json.dumps(part), voice],
            stdout=subprocess.PIPE,
            text=True,
        )
        for part in parts
    ]
    outs = [json.loads(process.communicate()[0]) for process in running]
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    audio = sum(out["audio_s"] for out in outs)
    return {
        "cpu_s": round(cpu, 1),
        "cpu_per_speech_s": round(cpu / audio, 3),
        "speech_per_wall_s": round(audio / wall, 2),
        "rss_mb": round(max(out["rss_mb"] for out in outs)),
        "load": round(os.getloadavg()[0], 1),
    }


def main(argv: list[str]) -> None:
    from ..script import load_script
    from ..synth.text import prepare

    episode = load_script(Path("script/shal-ket.md"))
    chunks = [chunk for segment in episode.segments for chunk in prepare(segment.text, episode.lexicon)]
    picked = [chunks[int(i)] for i in (argv[0] if argv else "4,24,28,23").split(",")]
    configs = json.loads(argv[1]) if len(argv) > 1 else CONFIGS
    for name, config, processes in configs:
        print(json.dumps({"name": name, **run(config, picked, "am_echo", processes)}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
