"""``python -m weightfit`` and the ``weightfit`` command. Ctrl-C, even while the command line
is still being imported, reads "interrupted" (exit code 130), never a traceback."""

import os
import signal
import sys
import threading
from types import FrameType


def _importing(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _on_ctrl_c(signum: int, frame: FrameType | None) -> None:
    """Raise KeyboardInterrupt, but not inside an import: there a library can swallow it (the
    run then ends with exit code 0) or be left half-made (numpy: "cannot load module more than
    once per process"). The signal is sent again 20 ms later until the import is over."""
    if _importing(frame):
        again = threading.Timer(0.02, os.kill, (os.getpid(), signal.SIGINT))
        again.daemon = True
        again.start()
        return
    raise KeyboardInterrupt


def main() -> None:
    """Import the command line, then run it."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_ctrl_c)
    try:
        from weightfit.cli import main as run
    except KeyboardInterrupt:
        print("weightfit: interrupted", file=sys.stderr)
        sys.exit(130)
    run()


if __name__ == "__main__":
    main()
