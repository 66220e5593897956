""".env.example lists every variable the settings and gunicorn read from the environment."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READERS = r'(?:env_bool|env_int|env_list|os\.environ\.get)\(\s*"([A-Z][A-Z0-9_]*)"'


def test_every_variable_the_settings_read_is_in_env_example():
    read = set()
    for path in ("config/settings.py", "gunicorn.conf.py"):
        read |= set(re.findall(READERS, (ROOT / path).read_text()))
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "the pattern no longer finds how the settings read the environment"
    assert read - listed == set()
