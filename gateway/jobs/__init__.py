"""Jobs: long-running tool calls answered with 202 and run in the background."""

from gateway.jobs.service import JobService, job_ticket_schema, status_url
from gateway.jobs.store import Job, JobState, JobStore

__all__ = ["Job", "JobService", "JobState", "JobStore", "job_ticket_schema", "status_url"]
