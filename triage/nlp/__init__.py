"""spaCy triage: rule components for risk flags and identifiers, and a trained text classifier.

Everything runs on a blank English pipeline (no downloaded model), so triage works on a
fresh machine and keeps working when the Rasa engine is slow or down.
"""
