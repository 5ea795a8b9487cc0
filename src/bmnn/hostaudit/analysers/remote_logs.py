"""Logs of remote-access software: who connected to this machine, from where, and when.

TeamViewer (Windows `Program Files*/TeamViewer/`, `Users/*/AppData/Roaming/TeamViewer/`,
Linux `var/log/teamviewer*/`):
- `Connections_incoming.txt` (and `Connections.txt`, outgoing): one tab-separated line per
  session: partner ID, partner name, start, end (`dd-mm-yyyy hh:mm:ss`), local user, session
  type (RemoteControl, FileTransfer, Meeting...), session GUID.
- `TeamViewer<ver>_Logfile*.log`: `yyyy/mm/dd hh:mm:ss.mmm pid tid tag message`; read are the
  lines that name a participant (`AddParticipant: [<id>,...`), the partner's address
  (`punch received a=<ip>:<port>`), the end of a session (`We left session`) and file
  transfers (`Send file` / `Write file`).
AnyDesk (`ProgramData/AnyDesk/`, `Users/*/AppData/Roaming/AnyDesk/`, portable copies anywhere,
Linux `home/*/.anydesk/`):
- `ad_svc.trace` / `ad.trace` / `*.trace`: `level yyyy-mm-dd hh:mm:ss.mmm process pid tid
  [n] component - message`; a session opens with `Incoming session request: <alias> (<id>)`,
  is authenticated (`Authenticated by/with ...`), closes with `Session closed/stopped`; the
  client's own `Logged in from <ip>:<port> on relay <id>` proves it reached AnyDesk's servers.
- `connection_trace.txt`: `Incoming  yyyy-mm-dd, hh:mm  <User|Passwd|Token|REJECTED>  <alias>
  <id>` (support.anydesk.com "Connection Log").

None of these vendors documents the time zone of its logs. TIME_BASIS records the assumption
made for each format (from DFIR write-ups, see endpoint.md §2.4); every time read this way is
labelled "giả định" (assumed) in its source zone, so the report shows it. Change TIME_BASIS if
an agency verifies otherwise on its own machines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

from ..context import AuditContext
from ..model import Evidence, Observation, Timestamp
from ..timezone import local_timestamp

NAME = "remote_logs"

TIME_BASIS: dict[str, str] = {
    "teamviewer_connections": "local",  # a DFIR write-up: local time of the machine
    "teamviewer_logfile": "local",
    "anydesk_trace": "utc",
    "anydesk_connection_trace": "utc",
}
ASSUMED = " (giả định)"

_TV_LOGFILE = re.compile(r"^teamviewer\d*_logfile(?:_old)?\.log$")
_TV_TIME = "%d-%m-%Y %H:%M:%S"
_TV_LINE = re.compile(
    r"^(?P<id>\d+)\s+(?P<name>.*?)\s+(?P<start>\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2})\s+"
    r"(?P<end>\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2})\s+(?P<user>.*?)\s+(?P<type>\S+)\s+"
    r"(?P<guid>\{[0-9A-Fa-f-]+\})\s*$"
)
_TV_LOG_LINE = re.compile(r"^(?P<t>\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2})(?:\.\d+)?\s+(?P<msg>.*)$")
_TV_PARTICIPANT = re.compile(r"AddParticipant: \[(?P<id>\d+),[^\]]*\](?:.*?name=(?P<name>.*))?")
_TV_PUNCH = re.compile(r"punch received a=(?P<addr>[0-9A-Fa-f.:\[\]]+?):(?P<port>\d+)")
_TV_LEFT = re.compile(r"We left session")
_TV_FILE = re.compile(r"\b(?P<dir>Send|Write) file (?P<path>.+)$")

_AD_LINE = re.compile(
    r"^\s*(?P<level>[a-z]+)\s+(?P<t>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:\.\d+)?\s+"
    r"(?P<proc>\S+)\s+\d+\s+\d+\s+(?:\d+\s+)?(?P<comp>\S+)\s+-\s+(?P<msg>.*)$"
)
_AD_REQUEST = re.compile(r"Incoming session request: (?P<alias>.*?)\s*\((?P<id>\d+)\)")
_AD_LOGIN = re.compile(
    r"Logged in from (?P<addr>[0-9A-Fa-f.:\[\]]+?):(?P<port>\d+) on relay (?P<relay>\S+)"
)
_AD_AUTH = re.compile(r"Authenticated (?:by|with) (?P<how>.+?)\.?$")
_AD_OS = re.compile(r"Remote OS: (?P<os>[^,]+)(?:, Connected via (?P<via>.+?))?\.?$")
_AD_CLOSED = re.compile(r"Session (?:closed|stopped|ended|terminated)", re.I)
_AD_CONN = re.compile(
    r"^(?P<dir>Incoming|Outgoing)\s+(?P<d>\d{4}-\d{2}-\d{2}),\s*(?P<t>\d{2}:\d{2})\s+"
    r"(?P<auth>\S+)\s+(?:(?P<alias>\S+)\s+)?(?P<id>\d+)\s*$",
    re.I,
)


def analyse(ctx: AuditContext) -> Iterator[Observation]:
    found = False
    for rel in list(ctx.root.walk()):
        kind = _kind_of(rel)
        if kind is None:
            continue
        found = True
        try:
            data = ctx.root.read_bytes(rel)
        except OSError as exc:
            ctx.error(NAME, rel, f"Không đọc được nhật ký phần mềm truy cập từ xa: {exc}")
            continue
        lines = _decode(data).splitlines()
        yield from _PARSERS[kind](ctx, rel, lines)
    if not found:
        ctx.missing(
            NAME,
            "Program Files/TeamViewer, ProgramData/AnyDesk, var/log/teamviewer*",
            "Không thấy nhật ký TeamViewer hay AnyDesk (có thể phần mềm chưa từng được cài).",
        )


def _kind_of(rel: str) -> str | None:
    low = rel.lower()
    base = low.rsplit("/", 1)[-1]
    if "teamviewer" in low and base in ("connections_incoming.txt", "connections.txt"):
        return "teamviewer_connections"
    if _TV_LOGFILE.match(base):
        return "teamviewer_logfile"
    if base in ("ad_svc.trace", "ad.trace") or ("/.anydesk/" in low and base.endswith(".trace")):
        return "anydesk_trace"
    if base == "connection_trace.txt" and "anydesk" in low:
        return "anydesk_connection_trace"
    return None


def _decode(data: bytes) -> str:
    for bom, enc in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[2:].decode(enc, errors="replace")
    return data.decode("utf-8-sig", errors="replace")


def _stamp(ctx: AuditContext, kind: str, name: str, naive: datetime) -> Timestamp:
    if TIME_BASIS[kind] == "local":
        ts = local_timestamp(ctx, name, naive)
        return Timestamp(name, ts.utc, ts.source_tz + ASSUMED)
    return Timestamp(name, naive.replace(tzinfo=UTC), "UTC" + ASSUMED)


def _parse_time(text: str, fmt: str) -> datetime | None:
    try:
        return datetime.strptime(text, fmt)
    except ValueError:
        return None


def _session(software: str, facts: dict, times: list[Timestamp], evidence: Evidence) -> Observation:
    peer = facts.get("peer_id") or facts.get("peer_address") or "?"
    facts = {"software": software, **facts}
    return Observation(
        "remote_session", f"REMOTE:{software}/{peer}", NAME, facts, tuple(times), (evidence,)
    )


# -- TeamViewer -----------------------------------------------------------------------------------
def _teamviewer_connections(ctx: AuditContext, rel: str, lines: list[str]) -> Iterator[Observation]:
    kind = "teamviewer_connections"
    direction = "incoming" if rel.lower().endswith("connections_incoming.txt") else "outgoing"
    bad = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) >= 7 and fields[0].isdigit():
            peer_id, name, start, end, user, session_type, guid = fields[:7]
        elif m := _TV_LINE.match(line.strip()):
            peer_id, name, start, end = m["id"], m["name"], m["start"], m["end"]
            user, session_type, guid = m["user"], m["type"], m["guid"]
        else:
            bad += 1
            continue
        t_start, t_end = _parse_time(start, _TV_TIME), _parse_time(end, _TV_TIME)
        if t_start is None:
            bad += 1
            continue
        facts = {
            "direction": direction,
            "peer_id": peer_id,
            "peer_name": name,
            "local_user": user,
            "session_type": session_type,
            "session_guid": guid,
            "event": "session",
        }
        times = [_stamp(ctx, kind, "session_start", t_start)]
        if t_end is not None:
            times.append(_stamp(ctx, kind, "session_end", t_end))
        yield _session(
            "TeamViewer", facts, times, ctx.evidence(rel, f"line {number}", line.strip())
        )
    if bad:
        ctx.error(NAME, rel, f"{bad} dòng không đúng định dạng Connections_incoming.txt.")


def _teamviewer_logfile(ctx: AuditContext, rel: str, lines: list[str]) -> Iterator[Observation]:
    kind = "teamviewer_logfile"
    for number, line in enumerate(lines, 1):
        m = _TV_LOG_LINE.match(line)
        if not m:
            continue
        msg = m["msg"]
        facts: dict | None = None
        if p := _TV_PARTICIPANT.search(msg):
            facts = {"event": "participant", "peer_id": p["id"], "peer_name": (p["name"] or "")}
        elif p := _TV_PUNCH.search(msg):
            facts = {
                "event": "peer_address",
                "peer_address": p["addr"].strip("[]"),
                "peer_port": int(p["port"]),
            }
        elif _TV_LEFT.search(msg):
            facts = {"event": "session_left"}
        elif p := _TV_FILE.search(msg):
            facts = {
                "event": "file_transfer",
                "file": p["path"].strip(),
                "transfer": "sent" if p["dir"] == "Send" else "received",
            }
        if facts is None:
            continue
        when = _parse_time(m["t"], "%Y/%m/%d %H:%M:%S")
        times = [_stamp(ctx, kind, "event_time", when)] if when else []
        facts["direction"] = "unknown"
        yield _session(
            "TeamViewer", facts, times, ctx.evidence(rel, f"line {number}", line.strip())
        )


# -- AnyDesk --------------------------------------------------------------------------------------
def _anydesk_trace(ctx: AuditContext, rel: str, lines: list[str]) -> Iterator[Observation]:
    kind = "anydesk_trace"
    current: dict | None = None

    def close(session: dict, end: tuple[datetime, int, str] | None) -> Observation:
        facts = session["facts"]
        facts["status"] = "closed" if end else "open_or_cut"
        times = [_stamp(ctx, kind, "session_start", session["start"])]
        if end:
            times.append(_stamp(ctx, kind, "session_end", end[0]))
        raw = "\n".join(session["raw"] + ([end[2]] if end else []))
        return _session("AnyDesk", facts, times, ctx.evidence(rel, f"line {session['line']}", raw))

    for number, line in enumerate(lines, 1):
        m = _AD_LINE.match(line)
        if not m:
            continue
        when = _parse_time(m["t"], "%Y-%m-%d %H:%M:%S")
        if when is None:
            continue
        msg = m["msg"].strip()
        if p := _AD_REQUEST.search(msg):
            if current:
                yield close(current, None)
            current = {
                "start": when,
                "line": number,
                "raw": [line.strip()],
                "facts": {
                    "event": "session",
                    "direction": "incoming",
                    "peer_id": p["id"],
                    "peer_alias": p["alias"],
                },
            }
        elif p := _AD_LOGIN.search(msg):
            facts = {
                "event": "relay_login",
                "direction": "outgoing",
                "peer_address": p["addr"].strip("[]"),
                "peer_port": int(p["port"]),
                "relay": p["relay"].rstrip("."),
            }
            yield _session(
                "AnyDesk",
                facts,
                [_stamp(ctx, kind, "event_time", when)],
                ctx.evidence(rel, f"line {number}", line.strip()),
            )
        elif current and (p := _AD_AUTH.search(msg)):
            current["facts"]["authentication"] = p["how"]
            current["raw"].append(line.strip())
        elif current and (p := _AD_OS.search(msg)):
            current["facts"]["remote_os"] = p["os"].strip()
            if p["via"]:
                current["facts"]["connected_via"] = p["via"].strip()
        elif current and _AD_CLOSED.search(msg):
            yield close(current, (when, number, line.strip()))
            current = None
    if current:
        yield close(current, None)


def _anydesk_connections(ctx: AuditContext, rel: str, lines: list[str]) -> Iterator[Observation]:
    kind = "anydesk_connection_trace"
    for number, line in enumerate(lines, 1):
        m = _AD_CONN.match(line.strip())
        if not m:
            continue
        when = _parse_time(f"{m['d']} {m['t']}", "%Y-%m-%d %H:%M")
        if when is None:
            continue
        facts = {
            "event": "session",
            "direction": m["dir"].lower(),
            "peer_id": m["id"],
            "peer_alias": m["alias"] or "",
            "authentication": m["auth"],
            "rejected": m["auth"].upper() == "REJECTED",
        }
        yield _session(
            "AnyDesk",
            facts,
            [_stamp(ctx, kind, "session_start", when)],
            ctx.evidence(rel, f"line {number}", line.strip()),
        )


_PARSERS = {
    "teamviewer_connections": _teamviewer_connections,
    "teamviewer_logfile": _teamviewer_logfile,
    "anydesk_trace": _anydesk_trace,
    "anydesk_connection_trace": _anydesk_connections,
}
