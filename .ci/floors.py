"""The lowest allowed version of every direct dependency, as pip constraints.

Reads install_requires in setup.cfg and prints `name==floor` for each `>=floor`,
which is what requirements/lowest.txt holds and `make lowest` installs:
`python3 .ci/floors.py > requirements/lowest.txt` after changing a floor.
`--check FILE` fails when FILE differs from setup.cfg's floors.
"""

from __future__ import annotations

import configparser
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = (
    "# The floors of install_requires in setup.cfg, made by"
    " `python3 .ci/floors.py > requirements/lowest.txt`.\n"
)


def floors() -> str:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = []
    for line in config["options"]["install_requires"].splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)\s*(.*)", line)
        floor = re.search(r">=\s*([^,\s;]+)", match.group(2)) if match else None
        if floor is None:
            sys.exit(f"floors: {line!r} in setup.cfg has no `>=` floor")
        lines.append(f"{match.group(1)}=={floor.group(1)}\n")
    return HEADER + "".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--check"]:
        if Path(sys.argv[2]).read_text() != floors():
            sys.exit(
                f"floors: {sys.argv[2]} differs from setup.cfg:"
                f" python3 .ci/floors.py > {sys.argv[2]}"
            )
    else:
        sys.stdout.write(floors())
