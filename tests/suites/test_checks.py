"""The suite checks on answers, judged without a gateway."""

from __future__ import annotations

from gateway.suites.runner import Answer, judge
from gateway.suites.suite import Checks, Expectation, Suite, SuiteCall

BODY = {"tool": "t", "data": {"x": 1}, "source": {"cached": False}, "trace_id": "r1"}


def suite(**checks: bool) -> Suite:
    call = SuiteCall(id="c", agent="a", tool="t",
                     expect=Expectation(status=200, body={k: v for k, v in BODY.items()
                                                          if k != "trace_id"}))
    return Suite(name="s", checks=Checks(**checks), calls=(call,))


def test_an_unaudited_call_fails_the_audited_check() -> None:
    s = suite(audited=True)
    answer = Answer(200, BODY, "r1", 0.1)
    assert judge(s, s.calls[0], answer, audited={"r1"}).failed_checks == []
    missing = judge(s, s.calls[0], answer, audited={"other"})
    assert missing.failed_checks == ["check audited: no audit record for this call"]
    assert missing.drifted and missing.differences == []


def test_a_cached_answer_fails_never_cached_and_differs() -> None:
    s = suite(never_cached=True)
    cached = Answer(200, {**BODY, "source": {"cached": True}}, "r1", 0.1)
    outcome = judge(s, s.calls[0], cached, audited=None)
    assert outcome.failed_checks == ["check never_cached: the answer came from a cache"]
    assert [str(d) for d in outcome.differences] == [
        "source.cached: expected false, got true"]
