"""Legacy change events: feeds polled into an event log, served as SSE and webhooks."""
