"""Emergency guidance: the exact words sent when someone may be in danger.

Pure data so the gateway's emergency fast path and the action server's
`action_emergency` send the same short, plain messages, in the same order:
the 999 line, advice for the situation, then how to call 999 if you cannot speak.
"""

from __future__ import annotations

CALL_999_NOW = (
    "If you or anyone else is in immediate danger, call 999 now. Do not wait for a reply here."
)

CANNOT_SPEAK = (
    "Call 999. If you cannot speak, listen to the questions and cough or tap the phone.",
    "From a mobile, press 55 when prompted so the call is put through to the police.",
    "Deaf or speech-impaired? Text 999 if you have registered for emergencySMS, "
    "or use Relay UK by dialling 18000.",
)

GENERAL_ADVICE = "Stay somewhere safe. Call 999 and tell them where you are."

SITUATION_ADVICE: dict[str, tuple[str, ...]] = {
    "emergency_crime_in_progress": (
        "Do not put yourself at risk or try to stop them. Keep a safe distance.",
        "Tell 999 where it is happening and which way anyone went.",
    ),
    "emergency_intruder": (
        "Do not confront them. Get somewhere safe, lock yourself in if you can.",
        "Stay quiet and call 999.",
    ),
    "emergency_violence": (
        "Get away if you can and go somewhere safe.",
        "Do not try to take a weapon from anyone. Call 999.",
    ),
    "emergency_medical": (
        "Call 999 and ask for an ambulance.",
        "Stay with them and follow what the call handler tells you.",
    ),
    "emergency_fire": (
        "Get out, stay out. Do not go back in for anything.",
        "Call 999 and ask for the fire service.",
    ),
    "emergency_road_collision": (
        "Call 999 and ask for an ambulance if anyone is hurt.",
        "Do not move injured people unless they are in more danger where they are.",
        "Keep yourself safe from traffic.",
    ),
    "emergency_threat_to_life": (
        "Get somewhere safe and lock the door if you can.",
        "Call 999 now and tell them who made the threat and where they are.",
    ),
    "emergency_domestic_abuse": (
        "If you can, get to a room with a way out, away from the kitchen.",
        "If you cannot talk, make a silent call: dial 999 and press 55 on a mobile.",
    ),
    "emergency_suicide_risk": (
        "Call 999 now. Stay with them if it is safe to do so.",
        "Samaritans are free to call any time on 116 123.",
    ),
    "emergency_missing_person": (
        "Call 999 now. Do not wait: there is no 24-hour rule.",
        "Have a recent photo ready, and what they were wearing.",
    ),
    "emergency_child_danger": (
        "Call 999 now. Stay with the child if it is safe to do so.",
        "Tell them exactly where the child is.",
    ),
}


def emergency_guidance(intent: str | None) -> list[str]:
    """The messages to send, in order, for an emergency intent (or an unknown one)."""
    advice = SITUATION_ADVICE.get(intent or "", (GENERAL_ADVICE,))
    return [CALL_999_NOW, *advice, *CANNOT_SPEAK]
