"""GET /jobs/{id} and DELETE /jobs/{id}: the owner (or an admin) follows or cancels a job."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from gateway.auth import Caller
from gateway.jobs.service import JobDoors, status_url


def job_routes(jobs: JobDoors) -> APIRouter:
    router = APIRouter(tags=["jobs"])

    def caller_of(request: Request) -> Caller:
        caller = jobs.runtime.auth.authenticate(request.headers.get("authorization"),
                                                request.headers.get("x-on-behalf-of"))
        request.state.agent = caller.agent
        return caller

    @router.get("/jobs/{job_id}")
    async def get_job(job_id: str, request: Request) -> dict[str, Any]:
        job = await jobs.visible(caller_of(request), job_id)
        return job.public(status_url(job.id))

    @router.delete("/jobs/{job_id}")
    async def cancel_job(job_id: str, request: Request) -> dict[str, Any]:
        job = await jobs.cancel(caller_of(request), job_id)
        return job.public(status_url(job.id))

    return router
