"""/api/v1/sources: definitions with their health and recent problems."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import Connection

from dcc.store import sources as source_queries
from dcc.web.deps import get_conn
from dcc.web.serialize import health_json, source_json

router = APIRouter(tags=["sources"])
Conn = Annotated[Connection, Depends(get_conn)]


@router.get("/sources", summary="Sources with their health")
def list_sources(conn: Conn) -> dict[str, Any]:
    health = {h.source_id: h for h in source_queries.list_health(conn)}
    return {
        "sources": [
            {**source_json(s), "health": health_json(health[s.id]) if s.id in health else None}
            for s in source_queries.list_sources(conn)
        ]
    }


@router.get("/sources/{source_id}", summary="One source, its health and recent problems")
def read_source(source_id: str, conn: Conn) -> dict[str, Any]:
    source = source_queries.get_source(conn, source_id)
    if source is None:
        raise HTTPException(status_code=404, detail=f"no source with id {source_id!r}")
    health = next((h for h in source_queries.list_health(conn) if h.source_id == source_id), None)
    return {
        **source_json(source),
        "health": health_json(health) if health else None,
        "recent_problems": [
            {"location": loc, "message": msg}
            for loc, msg in source_queries.recent_problems(conn, source_id)
        ],
    }
