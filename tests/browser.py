"""How every browser test starts Debian's chromium (Playwright cannot download its own here)."""

import shutil

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Without the background-networking flags chromium keeps trying to reach Google's hosts, which
# this machine's closed network refuses many times a second.
LAUNCH_ARGS = {
    "executable_path": CHROMIUM,
    "args": [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ],
}
