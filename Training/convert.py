#!/usr/bin/env python3
"""Convert another project's generator checkpoint into a gansynth model file (Models/FORMAT.md).

    python3 Training/convert.py KIND SOURCE OUT.gguf [--name NAME] [--labels FILE] [--weight-type f32|f16|q8_0]

KIND is one of the converters in Training/gansynth_training/converters (`python3 Training/convert.py --help`
lists them). Nothing is installed at run time; checkpoints are read as tensors only (no pickle code runs). The
file is written next to OUT and renamed into place once it has been read back, so a failed conversion leaves no
file. What cannot be converted is refused in one line naming the key or module.
"""
from __future__ import annotations

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gansynth_training.converters import CONVERTERS  # noqa: E402
from gansynth_training.converters.common import ConversionError  # noqa: E402
from gansynth_training.export import read_generator, write_generator  # noqa: E402


def class_names(path: str | None, count: int) -> list[str]:
    """Names from FILE (one per line), else torchvision's ImageNet categories for 1000 classes (read from its
    installed metadata module), else an error."""
    if path:
        with open(path, encoding="utf-8") as f:
            names = [line.strip() for line in f if line.strip()]
        if len(names) != count:
            raise ConversionError(f"{path}: {len(names)} names for {count} classes")
        return names
    if count == 1000:
        try:
            from torchvision.models._meta import _IMAGENET_CATEGORIES
        except ImportError:
            raise ConversionError("the ImageNet class names come from torchvision's weight metadata: install "
                                  "torchvision, or pass --labels FILE with one name per line") from None
        return list(_IMAGENET_CATEGORIES)
    raise ConversionError(f"the checkpoint has {count} classes: pass --labels FILE with one name per line")


def main(argv=None) -> int:
    kinds = "\n".join(f"  {k:14} {c.summary}" for k, c in CONVERTERS.items())
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog="kinds:\n" + kinds,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=sorted(CONVERTERS))
    p.add_argument("source", help="the checkpoint (file or folder, as the kind expects)")
    p.add_argument("out", help="the .gguf file to write")
    p.add_argument("--name", help="general.name (default: the output file's name)")
    p.add_argument("--labels", help="class names, one per line (default for 1000 classes: torchvision's ImageNet names)")
    p.add_argument("--weight-type", default="f32", choices=("f32", "f16", "q8_0"))
    args = p.parse_args(argv)
    tmp = None
    try:
        converter = CONVERTERS[args.kind](args.source)
        nodes = converter.nodes()
        meta = converter.metadata()
        labels = None
        if "num_classes" in meta:
            count = meta.pop("num_classes")
            # A dataset's class indices carry no names (StyleGAN2's c): "class 0" … unless --labels names them.
            labels = (class_names(args.labels, count) if args.labels or not getattr(converter, "numbered_classes", False)
                      else [f"class {i}" for i in range(count)])
        name = args.name or os.path.basename(args.out).removesuffix(".gguf")
        tmp = os.path.join(os.path.dirname(os.path.abspath(args.out)), f".{os.path.basename(args.out)}.convert.tmp")
        write_generator(tmp, nodes, name=name, labels=labels, weight_type=args.weight_type,
                        description=f"{converter.summary.split(',')[0]}, converted from {os.path.basename(os.path.normpath(args.source))} by Training/convert.py {args.kind}.",
                        **meta)
        read_generator(tmp)  # must parse
        os.replace(tmp, args.out)
        tmp = None
    except ConversionError as e:
        print(f"convert.py: error: {e}", file=sys.stderr)
        return 65
    finally:
        if tmp and os.path.exists(tmp):
            os.remove(tmp)
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes, {len(nodes)} nodes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
