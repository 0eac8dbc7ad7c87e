"""convert.py stylegan2 reads network pickles without running them: pickles made here, each naming a global the
restricted unpickler must refuse (or hiding a payload behind an allowed name), are refused in one line and run
nothing.

    python3 -m unittest discover -s Training/tests
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CONVERT = os.path.join(os.path.dirname(HERE), "convert.py")


class Payload:
    """Pickles as a call of `func(*args)`: what a malicious network pickle would do on load."""

    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def convert(make):
    """Converts the pickle `make(marker)` returns; whether the file `marker` appeared (the payload ran)."""
    with tempfile.TemporaryDirectory() as tmp:
        src, out = os.path.join(tmp, "net.pkl"), os.path.join(tmp, "out.gguf")
        marker = os.path.join(tmp, "ran")
        with open(src, "wb") as f:
            f.write(make(marker))
        r = subprocess.run([sys.executable, CONVERT, "stylegan2", src, out], capture_output=True, text=True)
        return r, os.path.exists(marker), os.path.exists(out), os.listdir(tmp)


class RefusedPickles(unittest.TestCase):
    def check_refused(self, make, words: str):
        r, ran, wrote, files = convert(make)
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertFalse(ran, "the payload ran")
        self.assertFalse(wrote)
        self.assertEqual(sorted(files), ["net.pkl"], "no temporary file is left")
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertIn(words, lines[0])

    def test_os_system_is_refused_by_name(self):
        self.check_refused(lambda m: pickle.dumps({"G_ema": Payload(os.system, (f"touch {m}",))}), "posix.system")

    def test_builtins_eval_and_exec_are_refused(self):
        self.check_refused(lambda m: pickle.dumps(Payload(eval, (f"open({m!r}, 'w')",))), "builtins.eval")
        self.check_refused(lambda m: pickle.dumps(Payload(exec, (f"open({m!r}, 'w')",))), "builtins.exec")

    def test_not_a_pickle(self):
        self.check_refused(lambda m: b"this is not a pickle", "not a readable network pickle")

    def test_a_dict_without_g_ema(self):
        self.check_refused(lambda m: pickle.dumps({"D": 1}), "expected a dict with G_ema")


def _persistent_payload(marker: str) -> bytes:
    """A pickle calling torch_utils.persistence._reconstruct_persistent_obj with module source that would write
    the marker when run, as NVlabs' loader runs it."""
    import types
    module = types.ModuleType("torch_utils.persistence")

    def _reconstruct_persistent_obj(meta):
        raise AssertionError("never called while pickling")

    _reconstruct_persistent_obj.__module__ = "torch_utils.persistence"
    _reconstruct_persistent_obj.__qualname__ = "_reconstruct_persistent_obj"
    module._reconstruct_persistent_obj = _reconstruct_persistent_obj
    package = types.ModuleType("torch_utils")
    package.persistence = module
    sys.modules.setdefault("torch_utils", package)
    sys.modules.setdefault("torch_utils.persistence", module)
    meta = {"type": "class", "version": 6, "class_name": "Evil",
            "module_src": f"open({marker!r}, 'w').write('ran')\nclass Evil: pass\n", "state": {}}
    return pickle.dumps({"G_ema": Payload(_reconstruct_persistent_obj, (meta,))})


class EmbeddedSource(unittest.TestCase):
    def test_module_source_is_recorded_not_run(self):
        r, ran, wrote, files = convert(_persistent_payload)
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertFalse(ran, "the embedded source ran")
        self.assertFalse(wrote)
        self.assertIn("found Evil", r.stderr)


if __name__ == "__main__":
    unittest.main()
