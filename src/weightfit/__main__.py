"""``python -m weightfit`` and the ``weightfit`` command. A Ctrl-C even while the command line
is still being imported reads "interrupted" (exit code 130), never a traceback."""

import sys


def main() -> None:
    """Import the command line, then run it."""
    try:
        from weightfit.cli import main as run
    except KeyboardInterrupt:
        print("weightfit: interrupted", file=sys.stderr)
        sys.exit(130)
    run()


if __name__ == "__main__":
    main()
