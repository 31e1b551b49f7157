"""The command-line face: parse, call the library, render. No logic lives only here."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from weightfit.errors import WeightfitError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Find a price model's weights, and ask honestly whether it beats the naive baseline.",
)
out = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def one_line_errors(command: F) -> F:
    """Our errors, and invalid settings, become one line on stderr and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (WeightfitError, ValueError) as e:
            print(f"weightfit: error: {e}", file=sys.stderr)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            print("weightfit: interrupted", file=sys.stderr)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


@app.command()
@one_line_errors
def tutorial(
    price: Annotated[float, typer.Option(help="The current price (USD).")] = 420.0,
    target: Annotated[float, typer.Option(help="The real next price (USD).")] = 425.0,
    weight: Annotated[float, typer.Option(help="The first weight to try.")] = 1.01,
    step: Annotated[float, typer.Option(help="How far each guess moves the weight.")] = 1e-4,
    iterations: Annotated[int, typer.Option(help="How many guessing iterations.")] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Walk through the tutorial: one price, one weight, the guessing method."""
    from weightfit.report.console import progress_bar, render_tutorial
    from weightfit.tutorial import tutorial as run

    if as_json:
        result = run(price, target, weight, step, iterations)
        print(json.dumps(result.to_dict()))
        return
    with progress_bar(err, iterations, "guessing", every=max(1, iterations // 100)) as tick:
        result = run(price, target, weight, step, iterations, callback=tick)
    render_tutorial(result, out)


@app.command()
@one_line_errors
def demo() -> None:
    """The main job on bundled data (for now, the tutorial)."""
    tutorial()


def main() -> None:
    """Entry point of the ``weightfit`` console script and ``python -m weightfit``."""
    app()
