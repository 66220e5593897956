"""
Time zones a person may choose: every zone this machine's IANA database knows, validated
against zoneinfo, offered as a select grouped by region.
"""

import zoneinfo
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError

# Regions of the IANA database whose zones are named Region/City; the rest of the names
# (US/Eastern, GB, EST5EDT...) are older spellings, still accepted but not offered.
ZONE_REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


@cache
def available_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() | {"UTC"})


def default_time_zone() -> str:
    return settings.TIME_ZONE


def validate_time_zone(value: str) -> None:
    if value not in available_time_zones():
        raise ValidationError(
            "“%(value)s” is not a time zone we know; pick one from the list.",
            code="invalid_choice",
            params={"value": value},
        )


@cache
def time_zone_choices() -> list:
    """UTC, then each region's zones by city, for a select with one group per region."""
    zones = sorted(available_time_zones())
    groups = [
        (
            region,
            [
                (zone, zone.split("/", 1)[1].replace("_", " "))
                for zone in zones
                if zone.startswith(f"{region}/")
            ],
        )
        for region in ZONE_REGIONS
    ]
    return [("UTC", "UTC"), *[(region, zones) for region, zones in groups if zones]]
