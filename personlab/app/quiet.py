"""Quiet start-up: TensorFlow, absl and LiteRT write start-up logs straight to file descriptor 2 from
C++, whatever TF_CPP_MIN_LOG_LEVEL says. Unless -v, the CLI passes its stderr through a filter that
drops exactly those lines (everything else, progress bars and errors included, goes through)."""

from __future__ import annotations

import atexit
import logging
import os
import re
import sys
import threading
import warnings

#: Lines libraries print at start-up that say nothing to our users.
NOISE = re.compile(
    rb"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    rb"|[IW]\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] .*"  # absl / glog info and warnings
    rb"|To enable the following instructions: .*"  # the second line of TensorFlow's CPU feature notice
    rb"|INFO: (Created TensorFlow Lite XNNPACK delegate for CPU|Initialized TensorFlow Lite runtime)\.)\s*$"
)
_installed = False


def _pump(source: int, target: int) -> None:
    """Copy source to target line by line ("\\r" ends a line too: progress bars), dropping NOISE."""
    pending = b""
    while chunk := os.read(source, 65536):
        pending += chunk
        *lines, pending = re.split(rb"(?<=[\r\n])", pending)
        kept = b"".join(line for line in lines if not NOISE.match(line))
        if kept:
            os.write(target, kept)
    if pending and not NOISE.match(pending):
        os.write(target, pending)


def filter_stderr() -> None:
    """Route file descriptor 2 through _pump for the rest of the process (restored and drained at exit)."""
    global _installed
    if _installed or sys.stderr is not sys.__stderr__:  # already, or stderr is captured (tests)
        return
    _installed = True
    sys.stderr.flush()
    real, (read_end, write_end) = os.dup(2), os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)
    pump = threading.Thread(target=_pump, args=(read_end, real), daemon=True)
    pump.start()

    def restore() -> None:
        sys.stderr.flush()
        os.dup2(real, 2)  # the pipe's last writer closes: the pump drains and stops
        pump.join(timeout=5)

    atexit.register(restore)


def quiet_libraries(verbose: bool) -> None:
    """Silence TensorFlow, absl and LiteRT start-up logs and library warnings unless verbose."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0" if verbose else "3")
    if verbose:
        return
    os.environ.setdefault("ABSL_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    for name in ("tensorflow", "absl", "h5py", "matplotlib", "PIL"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"(tensorflow|keras|tf_keras|onnx2tf)")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    filter_stderr()
