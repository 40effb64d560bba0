"""The audit hash chain: plain functions, no Django.

Each event's hash is SHA-256 over the previous event's hash and the canonical JSON of the
event's content, so that changing, deleting or reordering any event breaks the chain from
there on.
"""

import hashlib
import json
from datetime import UTC, datetime


def canonical(
    case_id: int,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_role: str,
    action: str,
    from_state: str,
    to_state: str,
    reason: str,
    payload: dict,
) -> bytes:
    body = {
        "case": case_id,
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor_id,
        "role": actor_role,
        "action": action,
        "from": from_state,
        "to": to_state,
        "reason": reason,
        "payload": payload,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def link(prev_hash: str, content: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + content).hexdigest()
