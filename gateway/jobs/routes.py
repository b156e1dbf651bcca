"""GET /jobs/{id} and DELETE /jobs/{id}: the owner (or an admin) follows or cancels a job."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from gateway.auth import Caller, request_caller
from gateway.jobs.service import JobDoors, status_url


def job_routes(jobs: JobDoors) -> APIRouter:
    router = APIRouter(tags=["jobs"])

    def caller_of(request: Request) -> Caller:
        return request_caller(jobs.runtime.auth, request)

    @router.get("/jobs/{job_id}")
    async def get_job(job_id: str, request: Request) -> dict[str, Any]:
        job = await jobs.visible(caller_of(request), job_id)
        return job.public(status_url(job.id))

    @router.delete("/jobs/{job_id}")
    async def cancel_job(job_id: str, request: Request) -> dict[str, Any]:
        job = await jobs.cancel(caller_of(request), job_id)
        return job.public(status_url(job.id))

    return router
