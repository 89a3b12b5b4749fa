"""Quiet start-up: TensorFlow's native libraries log through absl while they load, whatever
TF_CPP_MIN_LOG_LEVEL says; the CLI hides those lines (and the libraries' Python warnings) unless -v."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import logging
import os
import sys
import warnings

NOISY = "tensorflow"


class _Loaded(importlib.abc.Loader):
    """Hands the import system the module that _SilentImport already loaded."""

    def __init__(self, module):
        self.module = module

    def create_module(self, spec):
        return self.module

    def exec_module(self, module) -> None:
        pass


class _SilentImport(importlib.abc.MetaPathFinder):
    """Loads TensorFlow, the first time anything imports it, with file descriptor 2 pointed at /dev/null."""

    def find_spec(self, name, path=None, target=None):
        if name != NOISY:
            return None
        sys.meta_path.remove(self)
        sys.stderr.flush()
        saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        try:
            module = importlib.import_module(name)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            os.close(devnull)
        return importlib.machinery.ModuleSpec(name, _Loaded(module), origin=getattr(module, "__file__", None))


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
    if NOISY not in sys.modules and not any(isinstance(f, _SilentImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _SilentImport())
