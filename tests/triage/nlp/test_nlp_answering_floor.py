"""An answer to a report question needs near-certainty to be an emergency on the model alone."""

from __future__ import annotations

from triage.decisions import Flag, RiskFlag
from triage.nlp.decision_rules import ANSWERING_FLOOR, MODEL_ALONE_FLOOR, decide

SCORES = {"emergency": 0.7, "crime_report": 0.2, "enquiry": 0.05, "other": 0.05}


def test_the_same_scores_are_p1_alone_and_p2_as_an_answer() -> None:
    assert MODEL_ALONE_FLOOR < SCORES["emergency"] < ANSWERING_FLOOR
    assert decide(SCORES).priority.value == "P1"
    answer = decide(SCORES, model_alone_floor=ANSWERING_FLOOR)
    assert answer.category.value == "crime_report" and answer.priority.value == "P2"


def test_near_certainty_or_a_risk_word_still_makes_an_emergency_of_an_answer() -> None:
    sure = {**SCORES, "emergency": 0.95, "crime_report": 0.03}
    assert decide(sure, model_alone_floor=ANSWERING_FLOOR).priority.value == "P1"
    knife = (Flag(flag=RiskFlag.WEAPON, evidence="knife"),)
    backed = decide(SCORES, knife, model_alone_floor=ANSWERING_FLOOR)
    assert backed.category.value == "emergency" and backed.priority.value == "P1"
