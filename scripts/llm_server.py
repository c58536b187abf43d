#!/usr/bin/env python3
"""Serves a GGUF model on 127.0.0.1:PORT through llama.cpp's OpenAI-compatible
HTTP server (the xllamacpp wheel). Stops on SIGTERM or SIGINT.

usage: llm_server.py MODEL.gguf PORT [--threads N] [--ctx N] [--alias NAME]"""
import argparse
import signal
import threading
import time

import xllamacpp as xlc

ap = argparse.ArgumentParser()
ap.add_argument("model")
ap.add_argument("port", type=int)
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--ctx", type=int, default=4096)
ap.add_argument("--alias", default="local-llm")
a = ap.parse_args()

p = xlc.CommonParams()
p.model.path = a.model
p.hostnames = ["127.0.0.1"]
p.port = a.port
p.n_ctx = a.ctx
p.n_parallel = 1
p.cpuparams.n_threads = a.threads
p.cpuparams_batch.n_threads = a.threads
p.model_alias = {a.alias}
# Answers must not depend on what was asked before.
p.cache_prompt = False
started = time.time()
server = xlc.Server(p)
print(f"READY {server.listening_address} load_s={time.time() - started:.2f}", flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
while not stop.is_set():
    stop.wait(1)
del server
