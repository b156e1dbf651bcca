"""The field-level diff and the volatile-field patterns, on plain JSON values."""

from __future__ import annotations

from gateway.suites.diff import differences, without


def test_differences_name_each_changed_missing_or_added_field() -> None:
    expected = {"data": {"email": "a@x", "phone": "1", "tags": ["a", "b"], "n": 1}}
    actual = {"data": {"mail": "a@x", "phone": "2", "tags": ["a"], "n": True}}
    assert [str(d) for d in differences(expected, actual)] == [
        'data.email: expected "a@x", got (missing)',
        'data.phone: expected "1", got "2"',
        "data.tags.length: expected 2, got 1",
        "data.n: expected 1, got true",  # a boolean is not the number 1
        'data.mail: expected (missing), got "a@x"',
    ]
    assert differences(expected, expected) == []


def test_ignore_patterns_leave_out_volatile_fields_at_any_index() -> None:
    body = {"trace_id": "t", "source": {"fetched_at": "now", "system": "crm"},
            "data": [{"id": 1, "at": "x"}, {"id": 2, "at": "y"}]}
    assert without(body, ("trace_id", "source.fetched_at", "data.*.at")) == {
        "source": {"system": "crm"}, "data": [{"id": 1}, {"id": 2}]}
    assert without(body, ("data.at",)) == body  # a list item is addressed by `*` or index
