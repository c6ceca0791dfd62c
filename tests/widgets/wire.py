"""Stands where a widget's comm is: every message the widget sends (content + buffers), nothing else faked.

The widget, its views, the store and the encoding are real; only the websocket between the kernel and a
browser is replaced (the browser tests drive the same widgets in a real JupyterLab page).
"""

from __future__ import annotations

import time


class Wire:
    """Keeps every custom message a widget sends."""

    kernel = object()

    def __init__(self):
        self.messages: list[tuple[dict, list]] = []
        self.comm_id = "wire"

    def send(self, data=None, buffers=None, **_):
        if isinstance(data, dict) and data.get("method") == "custom":
            self.messages.append((data["content"], list(buffers or [])))

    def on_msg(self, *_):
        pass

    def close(self, *_, **__):
        pass

    def take(self) -> list[tuple[dict, list]]:
        messages, self.messages = self.messages, []
        return messages

    def wait_for(self, predicate, timeout: float = 10.0) -> tuple[dict, list]:
        """The first message (taken) for which ``predicate(content)`` holds, within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for index, (content, buffers) in enumerate(self.messages):
                if predicate(content):
                    del self.messages[: index + 1]
                    return content, buffers
            if time.monotonic() > deadline:
                raise AssertionError(f"no such message within {timeout} s; got {[m[0] for m in self.messages]}")
            time.sleep(0.02)


def connect(widget) -> Wire:
    wire = Wire()
    widget.comm = wire
    return wire


def ask(widget, content: dict) -> None:
    """What the front end sends: handled as the kernel handles a custom message."""
    widget._handle_custom_msg(content, [])
