"""`mitmdump -s addons/phonehome.py --set phonehome_db=PATH`: the capture addon as a mitmproxy script.

The script ships in the package too (`phonehome/addons/phonehome.py` in site-packages), so it works
the same from a checkout and from an installed copy (docs/capture.md prints its path).

mitmproxy puts this file's folder first on sys.path while importing it, where this file would
shadow the `phonehome` package; drop that entry so the installed packages are imported instead.
"""

import os
import sys

sys.path[:] = [
    p for p in sys.path if os.path.abspath(p or os.curdir) != os.path.dirname(os.path.abspath(__file__))
]

from phonehome.addons.capture import Capture  # noqa: E402

addons = [Capture()]
