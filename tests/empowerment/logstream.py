"""The portal's real logging config, pointed at a string: what a person would read."""

import io
import logging.config
from contextlib import contextmanager

from django.conf import settings

from empowerment.kernel.logs import logging_config


@contextmanager
def captured_log(fmt: str = "text"):
    stream = io.StringIO()
    logging.config.dictConfig(logging_config(fmt=fmt, level="DEBUG", stream=stream))
    try:
        yield stream
    finally:
        logging.config.dictConfig(settings.LOGGING)
