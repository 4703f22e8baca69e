"""When it happened: British dates, relative phrases, rough times and vague windows.

The value is a display string an officer can read at a glance, such as
``Tue 24 Nov 2026, about 15:00``, ``Sat 21 Nov 2026, in the evening`` or
``sometime between Mon 16 Nov and Sun 22 Nov 2026``. Future times are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import dateparser

from triage.validation.result import Parsed
from triage.validation.unknown import is_unknown

MAX_WHEN_CHARS = 200
OLDEST_YEARS = 100
FUTURE_GRACE = timedelta(minutes=5)

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_WORD = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATEPARSER_SETTINGS = {
    "DATE_ORDER": "DMY",
    "PREFER_DATES_FROM": "past",
    "RETURN_AS_TIMEZONE_AWARE": False,
}

# Part of the day: the hour it starts, how it is shown, and how a bare hour is read.
_PARTS_OF_DAY: dict[str, tuple[int, str]] = {
    "early hours": (0, "in the early hours"),
    "morning": (6, "in the morning"),
    "lunchtime": (12, "around lunchtime"),
    "afternoon": (12, "in the afternoon"),
    "teatime": (16, "around teatime"),
    "evening": (18, "in the evening"),
    "night": (20, "at night"),
}
_POD_RE = re.compile(
    r"\b(?P<pod>early hours|morning|lunch ?time|afternoon|tea ?time|evening|night|tonight|"
    r"overnight)\b"
)
_RELATIVE_CLOCK = re.compile(
    r"\b(?:\d+|an?|one|two|three|four|five|six|ten|twenty|thirty|forty|fifty|few|couple of)"
    r"\s+(?:minutes?|mins?|hours?|hrs?)\s+ago\b|\bjust now\b|\ba moment ago\b"
)
_TIME_PATTERNS = (
    re.compile(r"(?<![\d/.:])(?P<h>\d{1,2})[:.](?P<m>\d{2})\s*(?P<ampm>[ap])?\.?m?\.?(?![\d/.:])"),
    re.compile(r"(?<![\d/.:])(?P<h>\d{1,2})\s*(?P<ampm>[ap])\.?m\b\.?"),
    re.compile(r"(?<![\d/.:])(?P<h>\d{1,2})\s*o'?\s?clock\b"),
    re.compile(
        r"\b(?:at|about|around|approx(?:imately)?|roughly|gone|after|before|just after|"
        r"just before)\s+(?P<h>\d{1,2})(?![\d/.:])(?!\s*(?:st|nd|rd|th)\b)"
        rf"(?!\s+(?:{_MONTH_WORD}|days?|weeks?|months?|years?|hours?|minutes?|mins?)\b)"
    ),
)
_NOON = re.compile(r"\b(?:noon|midday|12 noon)\b")
_MIDNIGHT = re.compile(r"\bmidnight\b")
_FILLER = re.compile(
    r"\b(?:it happened|it was|it were|happened|i think|i believe|think|probably|maybe|"
    r"perhaps|sometime|some time|roughly|approximately|approx|about|around|ish|at|on|in|"
    r"the|this|of|just|or so|during|gone|after|before)\b|[,;!?]"
)
_FUTURE = re.compile(
    r"\b(?:in|within)\s+(?:\d+|an?|a few|one|two|three|four|five|ten|twenty)\s+"
    r"(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?)\b|\bnext\b|\btomorrow\b|\blater\b"
)
# Something that keeps happening (anti-social behaviour, harassment): kept in the person's
# words, marked as ongoing, instead of forced into one moment.
_ONGOING = re.compile(
    r"\b(?:every|most|each) (?:other )?(?:night|day|evening|morning|weekend|week)s?\b|"
    r"\b(?:for|over) (?:the )?(?:past|last) (?:few |couple of )?(?:days?|weeks?|months?|years?)\b|"
    r"\ball (?:day|night)(?: long)?\b|\b(?:ongoing|constantly|all the time|for (?:weeks|months))\b"
)
_VAGUE = re.compile(r"^(?:recently|a while ago|a while back|ages ago|ages|a long time ago|before)$")


@dataclass(frozen=True)
class _Clock:
    hour: int
    minute: int
    explicit_ampm: bool


def _fmt_date(day: date) -> str:
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _fmt_short(day: date) -> str:
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"


def _fmt_range(start: date, end: date) -> str:
    if start.year == end.year:
        return f"sometime between {_fmt_short(start)} and {_fmt_date(end)}"
    return f"sometime between {_fmt_date(start)} and {_fmt_date(end)}"


def _local_naive(now: datetime) -> datetime:
    return now.replace(tzinfo=None)


def _extract_clock(text: str) -> tuple[_Clock | None, str]:
    """Find an explicit clock time and return it with the text minus that time."""
    if _NOON.search(text):
        return _Clock(12, 0, True), _NOON.sub(" ", text)
    if _MIDNIGHT.search(text):
        return _Clock(0, 0, True), _MIDNIGHT.sub(" ", text)
    for pattern in _TIME_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        hour = int(match.group("h"))
        minute = int(match.groupdict().get("m") or 0)
        ampm = match.groupdict().get("ampm")
        if hour > 23 or minute > 59:
            return None, text
        if ampm:
            if hour == 0 or hour > 12:
                return None, text
            hour = hour % 12 + (12 if ampm == "p" else 0)
        rest = text[: match.start()] + " " + text[match.end() :]
        return _Clock(hour, minute, bool(ampm) or hour > 12 or hour == 0), rest
    return None, text


def _apply_part_of_day(clock: _Clock, pod: str | None) -> tuple[int, bool]:
    """Read a bare hour the way people mean it; True in the flag means "early hours"."""
    hour = clock.hour
    if clock.explicit_ampm or hour > 12:
        return hour, pod in ("night", "early hours") and hour < 6
    if pod in ("afternoon", "evening", "teatime") and hour < 12:
        return hour + 12, False
    if pod == "night":
        if hour >= 7:
            return (hour + 12) % 24, False
        return hour, True
    if pod is None and 1 <= hour <= 7:
        return hour + 12, False
    return hour, False


def _window(text: str, today: date) -> str | None:
    """Vague windows ("sometime last week", "over the weekend", "in May")."""
    monday = today - timedelta(days=today.weekday())
    if re.search(r"\b(?:last|past|previous) week\b|\bweek before last\b", text):
        weeks_back = 2 if "before last" in text else 1
        start = monday - timedelta(days=7 * weeks_back)
        return _fmt_range(start, start + timedelta(days=6))
    if re.search(r"\b(?:earlier )?this week\b", text):
        return (
            _fmt_range(monday, today) if today != monday else f"earlier today, {_fmt_date(today)}"
        )
    if re.search(r"\bweekend\b", text):
        saturday = today - timedelta(days=(today.weekday() - 5) % 7)
        if re.search(r"\blast weekend\b", text) and today.weekday() >= 5:
            saturday -= timedelta(days=7)
        sunday = min(saturday + timedelta(days=1), today)
        return f"over the weekend, {_fmt_short(saturday)} to {_fmt_date(sunday)}"
    if re.search(r"\blast month\b", text):
        last = today.replace(day=1) - timedelta(days=1)
        return f"sometime in {_MONTH_NAMES[last.month - 1].title()} {last.year}"
    if re.search(
        r"\b(?:a few|few|couple of|a couple of|past few|last few|last couple of) days\b", text
    ):
        return f"in the last few days (since {_fmt_date(today - timedelta(days=4))})"
    month_only = re.fullmatch(
        r"(?:early|late|mid|middle of|beginning of|start of|end of|last)?\s*"
        rf"(?P<month>{_MONTH_WORD})"
        r"(?:\s+(?P<year>(?:19|20)\d{2}))?",
        text.strip(),
    )
    if month_only:
        prefix = month_only.group("month")[:3]
        month = next(i for i, name in enumerate(_MONTH_NAMES, 1) if name.startswith(prefix))
        year = int(month_only.group("year") or today.year)
        if not month_only.group("year") and month > today.month:
            year -= 1
        if (year, month) > (today.year, today.month):
            return None
        return f"sometime in {_MONTH_NAMES[month - 1].title()} {year}"
    return None


def _parse_date(text: str, now: datetime) -> datetime | None:
    settings = dict(_DATEPARSER_SETTINGS)
    try:
        return dateparser.parse(
            text,
            languages=["en"],
            settings={**settings, "RELATIVE_BASE": now},
        )
    except Exception:  # dateparser can raise on odd unicode or huge numbers
        return None


def _single(text: str, now: datetime) -> Parsed:
    """One point in time (not a range)."""
    today = now.date()
    if _FUTURE.search(text):
        return Parsed.bad("future_time")
    window = _window(text, today)
    if window:
        return Parsed.good(window)
    if _RELATIVE_CLOCK.search(text):
        moment = _parse_date(text, now)
        if moment is None:
            return Parsed.bad("when_unclear")
        if moment > now + FUTURE_GRACE:
            return Parsed.bad("future_time")
        return Parsed.good(f"{_fmt_date(moment.date())}, about {moment:%H:%M}")

    clock, rest = _extract_clock(text)
    pod_match = _POD_RE.search(rest)
    pod: str | None = None
    overnight = False
    if pod_match:
        word = pod_match.group("pod").replace(" ", "")
        rest = rest[: pod_match.start()] + " " + rest[pod_match.end() :]
        if word == "tonight":
            pod = "night"
            rest += " today"
        elif word == "overnight":
            overnight = True
            pod = "night"
            if not rest.strip(" ,.") or re.search(r"\blast\b", rest):
                rest = rest.replace("last", " ") + " yesterday"
        elif word == "night" and re.search(
            r"\blast\s*$|\blast\s+(?=\W*$)", rest[: pod_match.start()]
        ):
            pod = "night"
            rest = rest[: pod_match.start()].replace("last", " ") + " yesterday"
        else:
            pod = {"lunchtime": "lunchtime", "teatime": "teatime", "earlyhours": "early hours"}.get(
                word, word
            )
    remainder = " ".join(_FILLER.sub(" ", rest).split())
    remainder = re.sub(r"^last\s+night$", "yesterday", remainder)
    day_given = bool(remainder)
    if not remainder:
        if clock is None and pod is None:
            return Parsed.bad("when_unclear")
        day = today
    else:
        if _VAGUE.match(remainder):
            return Parsed.bad("when_vague")
        window = _window(remainder, today) if clock is None and pod is None else None
        if window:
            return Parsed.good(window)
        if not re.search(r"[^\W\d_]|[/\-.]", remainder):
            return Parsed.bad("when_unclear")  # a bare number such as "5"
        parsed = _parse_date(remainder, now)
        if parsed is None:
            return Parsed.bad("when_unclear")
        day = parsed.date()
    if day < today - timedelta(days=365 * OLDEST_YEARS):
        return Parsed.bad("too_old")

    if overnight:
        if day >= today:
            day = today - timedelta(days=1)
        return Parsed.good(f"overnight, {_fmt_short(day)} to {_fmt_date(day + timedelta(days=1))}")
    if clock is not None:
        hour, next_day = _apply_part_of_day(clock, pod)
        if next_day and pod == "night":
            day += timedelta(days=1)
        moment = datetime.combine(day, time(hour, clock.minute))
        if moment > now + FUTURE_GRACE and day == today and not clock.explicit_ampm and hour >= 12:
            # "at 9" said in the morning means 09:00, not 21:00
            moment = moment - timedelta(hours=12)
        if moment > now + FUTURE_GRACE and not day_given and not overnight:
            # "about 9pm" said at 1am, with no day named, means the evening just gone
            moment -= timedelta(days=1)
        if moment > now + FUTURE_GRACE:
            return Parsed.bad("future_time")
        return Parsed.good(f"{_fmt_date(moment.date())}, about {moment:%H:%M}")
    if day > today:
        return Parsed.bad("future_time")
    if pod is not None:
        start_hour, label = _PARTS_OF_DAY[pod]
        if day == today and start_hour > now.hour:
            return Parsed.bad("future_time")
        return Parsed.good(f"{_fmt_date(day)}, {label}")
    return Parsed.good(_fmt_date(day))


_TWO_DAYS_BACK = re.compile(
    r"\b(?:the )?(?:day before yesterday|night before last|evening before last)\b"
)


def _two_days_back(text: str, today: date) -> str:
    """ "The night before last" as the date it names (dateparser reads it as yesterday)."""

    def named(match: re.Match[str]) -> str:
        day = today - timedelta(days=2)
        part = (
            " night"
            if "night" in match.group(0)
            else (" evening" if "evening" in match.group(0) else "")
        )
        return f"{day.day}/{day.month}/{day.year}{part}"

    return _TWO_DAYS_BACK.sub(named, text)


def parse_when(text: str, now: datetime) -> Parsed:
    """When it happened, relative to ``now`` (local time); never in the future."""
    if not isinstance(text, str) or not text.strip():
        return Parsed.bad("empty")
    if len(text) > MAX_WHEN_CHARS:
        return Parsed.bad("too_long")
    if is_unknown(text):
        return Parsed.bad("unknown_not_allowed")
    local_now = _local_naive(now)
    lowered = " ".join(text.casefold().replace("\u2019", "'").split()).strip(" .")
    if _ONGOING.search(lowered) and not _FUTURE.search(lowered):
        return Parsed.good(f"ongoing: {' '.join(text.split()).strip(' .')}")
    lowered = _two_days_back(lowered, local_now.date())
    between = re.fullmatch(
        r"(?:.*?\b)?(?:between|from)\s+(?P<a>.+?)\s+(?:and|to|until|till|-)\s+(?P<b>.+)", lowered
    )
    if between:
        first = _single(between.group("a"), local_now)
        second = _single(between.group("b"), local_now)
        if first.error or second.error:
            return Parsed.bad(first.error or second.error or "when_unclear")
        return Parsed.good(f"between {first.value} and {second.value}")
    return _single(lowered, local_now)
