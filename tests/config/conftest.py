import io
import json
import logging

import pytest

from config.logging import JsonFormatter


class LogCapture(io.StringIO):
    def records(self):
        return [json.loads(line) for line in self.getvalue().splitlines()]

    def requests(self):
        return [record for record in self.records() if record["logger"] == "config.requests"]


@pytest.fixture
def log_output():
    """
    What the site's configured log handler writes, as JSON records: a copy of that handler
    (same formatter, same filters) writing to memory, on the loggers the settings name.
    """
    configured = next(
        handler
        for handler in logging.getLogger("django").handlers
        if isinstance(handler.formatter, JsonFormatter)
    )
    capture = LogCapture()
    handler = logging.StreamHandler(capture)
    handler.setFormatter(configured.formatter)
    for log_filter in configured.filters:
        handler.addFilter(log_filter)
    loggers = [logging.getLogger(), logging.getLogger("django")]
    for logger in loggers:
        logger.addHandler(handler)
    yield capture
    for logger in loggers:
        logger.removeHandler(handler)
