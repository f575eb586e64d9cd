"""Small asyncio helpers every service's background loops share."""
from __future__ import annotations

import asyncio


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
