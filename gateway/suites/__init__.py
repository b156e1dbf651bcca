"""QA's golden suites: tool calls recorded with their results, replayed and diffed."""
