"""Small asyncio helpers every service's background loops share."""
from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any


async def wait_for_wake(event: asyncio.Event, seconds: float) -> None:
    """Wait until ``event`` is set or ``seconds`` pass, whichever is first.

    Not ``asyncio.wait_for``: on Python 3.11 a cancellation that lands just as the event is set is
    swallowed by it (CPython gh-86296), and a service's shutdown then waits for the loop forever.
    ``asyncio.timeout`` tells its own timeout apart from a cancellation.
    """
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        pass


RECANCEL_SECONDS = 0.5


async def cancel_and_wait(tasks: Iterable[asyncio.Task[Any]], seconds: float) -> set[asyncio.Task[Any]]:
    """Cancel ``tasks`` and wait up to ``seconds`` for them to end; the ones still running then.

    A cancellation can be swallowed below our code: nats-py waits for a publish's acknowledgement with
    ``asyncio.wait_for``, which on Python 3.11 drops a cancellation that lands as the answer arrives
    (CPython gh-86296), and the loop around it then goes on as if nothing had been asked. So a task
    still running is cancelled again every ``RECANCEL_SECONDS`` until it ends or the time is up.
    """
    pending = set(tasks)
    deadline = asyncio.get_running_loop().time() + seconds
    while pending:
        for task in pending:
            task.cancel()
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            break
        _, pending = await asyncio.wait(pending, timeout=min(RECANCEL_SECONDS, left))
    return pending
