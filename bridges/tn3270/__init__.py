"""TN3270 bridge: py3270 + s3270 sessions, screen model, declared flows, session pool."""

from bridges.tn3270.bridge import FlowCall, SignOn, Tn3270Bridge, Tn3270Settings
from bridges.tn3270.flow import (
    Check,
    ErrorScreen,
    Extract,
    ExtractRows,
    Fill,
    Flow,
    FlowResult,
    OutcomeUnknown,
    Press,
    Repeat,
    Wait,
    at,
    labelled,
)
from bridges.tn3270.screen import FieldAt, Screen, Signature
from bridges.tn3270.terminal import SessionLost, map_py3270_errors

__all__ = ["Check", "ErrorScreen", "Extract", "ExtractRows", "FieldAt", "Fill", "Flow",
           "FlowCall", "FlowResult", "OutcomeUnknown", "Press", "Repeat", "Screen",
           "SessionLost", "SignOn", "Signature", "Tn3270Bridge", "Tn3270Settings", "Wait", "at",
           "labelled", "map_py3270_errors"]
