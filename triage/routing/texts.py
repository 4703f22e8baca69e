"""Fixed answers the router may send without the bot.

Short enough for one X post (280 characters) and free of anything personal, because they may
be sent in public. The 999 wording itself comes from `triage.guidance` so every path says the
same thing.
"""

from __future__ import annotations

from triage.decisions import Flag, RiskFlag
from triage.guidance import CALL_999_NOW, CANNOT_SPEAK, emergency_guidance
from triage.routing.plan import AnswerKind

NO_PERSONAL_DETAILS = "Please don't share personal details in a public post."

ANSWERS: dict[AnswerKind, str] = {
    AnswerKind.PUBLIC_POINTER: (
        "Thanks for getting in touch. For anything that isn't an emergency, chat with us on our "
        f"website or call 101. {NO_PERSONAL_DETAILS}"
    ),
    AnswerKind.INVITE_DM: (
        "Thanks for telling us. Please send us a direct message so we can help. "
        f"{NO_PERSONAL_DETAILS} If anyone is in danger, call 999."
    ),
    AnswerKind.ENGINE_UNAVAILABLE: (
        "Sorry, our assistant can't answer right now. We have your message and a member of "
        "staff will reply as soon as they can. If anyone is in danger, call 999; otherwise "
        "you can call 101."
    ),
}

# Which situation's advice to give, by the most telling flag first.
_SITUATION_BY_FLAG: tuple[tuple[RiskFlag, str], ...] = (
    (RiskFlag.FIRE, "emergency_fire"),
    (RiskFlag.SELF_HARM, "emergency_suicide_risk"),
    (RiskFlag.DOMESTIC_ABUSE, "emergency_domestic_abuse"),
    (RiskFlag.THREAT_TO_LIFE, "emergency_threat_to_life"),
    (RiskFlag.WEAPON, "emergency_violence"),
    (RiskFlag.VIOLENCE, "emergency_violence"),
    (RiskFlag.ROAD_DANGER, "emergency_road_collision"),
    (RiskFlag.INJURY, "emergency_medical"),
    (RiskFlag.IN_PROGRESS, "emergency_crime_in_progress"),
)


def situation_for(flags: tuple[Flag, ...]) -> str | None:
    """The guidance situation that best fits the raised flags; None for general advice."""
    raised = {flag.flag for flag in flags}
    for risk, situation in _SITUATION_BY_FLAG:
        if risk in raised:
            return situation
    return None


def guidance_messages(flags: tuple[Flag, ...], public: bool) -> tuple[str, ...]:
    """The 999 messages: in full for a conversation, the two essentials for a public reply."""
    if public:
        return (CALL_999_NOW, CANNOT_SPEAK[1])
    return tuple(emergency_guidance(situation_for(flags)))
