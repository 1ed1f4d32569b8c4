"""``minwon notices deliver``: run the delivery worker (once, or every few seconds until stopped)."""

from __future__ import annotations

import json
import signal
import threading
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    notices_app = typer.Typer(help="Notices to citizens (SMS, e-mail outbox).", no_args_is_help=True)
    notices_app.command("deliver")(deliver)
    app.add_typer(notices_app, name="notices")


def deliver(
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due now, then exit.")] = False,
    interval: Annotated[
        float, typer.Option(help="Seconds between rounds when running continuously (0.5–3600).")
    ] = 5.0,
    limit: Annotated[int, typer.Option(help="Notices per round (1–10,000).")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print each round's counts as JSON.")] = False,
) -> None:
    """Send due notices through the configured providers (MINWON_SMS_PROVIDER, MINWON_EMAIL_PROVIDER).

    Several workers may run at once; none sends a notice twice. Without --once it runs until Ctrl+C /
    SIGTERM, starting the next round at once when a round was full. Prints the counts of each round
    that did something: claimed, sent, retried, failed, recovered, lost.
    """
    from minwon.cli import console, fail
    from minwon.db.session import session_scope
    from minwon.notices.delivery import deliver_due

    if not 0.5 <= interval <= 3600:
        fail("--interval must be between 0.5 and 3600 seconds")
    if not 1 <= limit <= 10_000:
        fail("--limit must be between 1 and 10000")
    stop = threading.Event()
    # SIGTERM ends the loop after the current notice instead of mid-send
    signal.signal(signal.SIGTERM, lambda _sig, _frame: stop.set())
    try:
        while not stop.is_set():
            with session_scope() as db:
                report = deliver_due(db=db, limit=limit)
            if report.claimed or report.recovered or once:
                counts = report.as_dict()
                if as_json:
                    typer.echo(json.dumps(counts))
                else:
                    console.print(" ".join(f"{k}={v}" for k, v in counts.items()), highlight=False)
            if once:
                return
            if report.claimed < limit:
                stop.wait(interval)
    except KeyboardInterrupt:
        return
