"""Dates as the API writes and reads them: a guide's ``updated``, HTTP-dates, W3C datetimes.

A guide's ``updated`` is a string (front matter as written, a git commit time, a file's
modification time): :func:`updated_datetime` reads it as an aware datetime, or None when it is
not a date, which never raises. HTTP-dates follow RFC 9110 §5.6.7: :func:`http_date` writes the
preferred IMF-fixdate, :func:`parse_http_date` reads its three formats (anything else: None).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_LONG_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH = "(" + "|".join(_MONTHS) + ")"
_TIME = r"(\d\d):(\d\d):(\d\d)"
#: IMF-fixdate, rfc850-date and asctime-date (RFC 9110 §5.6.7), each as (day, month, year, h, m, s).
_IMF = re.compile(rf"(?:{'|'.join(_DAYS)}), (\d\d) {_MONTH} (\d{{4}}) {_TIME} GMT")
_RFC850 = re.compile(rf"(?:{'|'.join(_LONG_DAYS)}), (\d\d)-{_MONTH}-(\d\d) {_TIME} GMT")
_ASCTIME = re.compile(rf"(?:{'|'.join(_DAYS)}) {_MONTH} ([ \d]\d) {_TIME} (\d{{4}})")


def updated_datetime(value: str | None) -> dt.datetime | None:
    """``updated`` as an aware datetime: a date alone is midnight UTC, a time without offset is
    UTC; None when ``value`` is not an ISO 8601 date or datetime."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if len(text) <= 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.UTC)
        found = dt.datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        return None
    return found if found.tzinfo is not None else found.replace(tzinfo=dt.UTC)


def epoch_of(value: str | None) -> int | None:
    """``updated`` in seconds since the epoch (what ``Last-Modified`` says), None when it is not a
    date or is before 1970."""
    found = updated_datetime(value)
    if found is None:
        return None
    try:
        seconds = int(found.timestamp())
    except (OverflowError, ValueError):
        return None
    return seconds if seconds >= 0 else None


def newest(values: Iterable[int | None]) -> int | None:
    """The latest of ``values`` that are not None; None when there is none (an empty list)."""
    return max((value for value in values if value is not None), default=None)


@lru_cache(maxsize=4096)
def http_date(epoch: int) -> str:
    """An IMF-fixdate (``Sun, 06 Nov 1994 08:49:37 GMT``) for a time in seconds since the epoch."""
    t = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return (
        f"{_DAYS[t.weekday()]}, {t.day:02d} {_MONTHS[t.month - 1]} {t.year:04d} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} GMT"
    )


def _epoch(year: int, month: str, day: int, hour: int, minute: int, second: int) -> int | None:
    try:
        month_number = _MONTHS.index(month) + 1
        moment = dt.datetime(year, month_number, day, hour, minute, min(second, 59), tzinfo=dt.UTC)
    except ValueError:  # 31 Feb, 25:00...
        return None
    return int(moment.timestamp())


def _rfc850_year(two_digits: int, now: dt.datetime | None = None) -> int:
    """RFC 9110: a two-digit year more than 50 years in the future is the most recent past year
    with those two digits."""
    this_year = (now or dt.datetime.now(dt.UTC)).year
    year = this_year - this_year % 100 + two_digits
    return year - 100 if year > this_year + 50 else year


def parse_http_date(value: str | None) -> int | None:
    """An HTTP-date in any of its three formats, in seconds since the epoch; None when ``value``
    is not exactly one of them (RFC 9110 asks to ignore such a conditional header)."""
    if not value:
        return None
    text = value.strip()
    if match := _IMF.fullmatch(text):
        day, month, year, h, m, s = match.groups()
        return _epoch(int(year), month, int(day), int(h), int(m), int(s))
    if match := _RFC850.fullmatch(text):
        day, month, year, h, m, s = match.groups()
        return _epoch(_rfc850_year(int(year)), month, int(day), int(h), int(m), int(s))
    if match := _ASCTIME.fullmatch(text):
        month, day, h, m, s, year = match.groups()
        return _epoch(int(year), month, int(day.strip()), int(h), int(m), int(s))
    return None


def w3c_datetime(value: str | None) -> str | None:
    """``updated`` as a W3C datetime (what a sitemap's ``<lastmod>`` takes): ``YYYY-MM-DD`` for a
    date alone, else ``YYYY-MM-DDThh:mm:ss`` and its offset; None when it is not a date."""
    found = updated_datetime(value)
    if found is None:
        return None
    text = (value or "").strip()
    if len(text) <= 10:
        return found.date().isoformat()
    offset = found.utcoffset() or dt.timedelta()
    if offset.seconds % 60 or offset.microseconds:  # W3C offsets are hours and minutes
        try:
            found = found.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            return None
    return found.isoformat(timespec="seconds")
