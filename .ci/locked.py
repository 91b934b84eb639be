"""Fails unless the installed set satisfies setup.cfg for the given extras.

`pip install -r requirements/ci.lock` installs the lock, not what setup.cfg asks
for, and `pip install --no-deps -e .` resolves nothing: a dependency added to or
raised in setup.cfg without `make lock` would go untested. This names it instead.
Usage: python .ci/locked.py EXTRA...
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, requires, version

from packaging.requirements import Requirement


def problems(extras: list[str]) -> list[str]:
    found = []
    for line in requires("arsnova") or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is not None and not any(marker.evaluate({"extra": e}) for e in ["", *extras]):
            continue
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            found.append(f"{requirement} is not installed")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            found.append(f"{requirement} is not met: {requirement.name} {installed} is installed")
    return found


if __name__ == "__main__":
    if found := problems(sys.argv[1:]):
        sys.exit("locked: the installed set does not satisfy setup.cfg:\n  " + "\n  ".join(found))
