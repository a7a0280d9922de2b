#!/usr/bin/env python3
"""Checks the sends the fake provider recorded and writes scripts/bench's report.

usage:
  report.py count --work DIR --config-dir ROOT
      prints the number of replies in DIR/sends.log (sends that are not the holding message)
  report.py final --work DIR --config-dir ROOT --out FILE.json   (figures in the environment, see main())
      checks the sends against DIR/expected.json, reads the replay, sampler and database
      figures, prints the report, writes FILE.json, exits 1 when a reply is missing, duplicated
      or misrouted.

The check: every unique inbound message (wamid) expects one reply to the number it was sent to
(path /<api_version>/<phone_number_id>/messages) addressed to its sender ("to" == "from").
Replies are compared as a multiset per (phone_number_id, customer): fewer sends than messages
are missing replies, more are duplicates, sends to a pair that never wrote are misrouted. The
holding message ("one moment please", sent while every worker is busy) is counted apart; more
holding messages to a customer than messages from them are repeats, and fail the run too.
"""
import argparse
import collections
import json
import os
import re
import sqlite3
import sys


def read_sends(path):
    """Yields (t, uri, auth, id, body dict or None) for each POST .../messages the sink logged."""
    if not os.path.exists(path):
        return
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                yield None, "", "", "", None
                continue
            if rec.get("m") != "POST" or not rec.get("u", "").split("?")[0].endswith("/messages"):
                continue
            try:
                body = json.loads(rec.get("b") or "")
            except ValueError:
                body = None
            yield float(rec.get("t", 0)), rec.get("u", ""), rec.get("auth", ""), rec.get("id", ""), body


def text_of(body):
    try:
        return body["text"]["body"]
    except (KeyError, TypeError):
        return None


def config_value(config_dir, key, default):
    """First `key: value` in tenants.yaml (the holding message, the Meta api_version)."""
    try:
        with open(os.path.join(config_dir, "tenants.yaml"), encoding="utf-8") as f:
            for line in f:
                m = re.match(r"^\s*" + re.escape(key) + r":\s*(.+?)\s*$", line)
                if m:
                    value = m.group(1)
                    if value.startswith('"'):
                        return json.loads(value)
                    return value.strip("'")
    except (OSError, ValueError):
        pass
    return default


def holding_text(config_dir):
    return config_value(config_dir, "holding_message", "We got your message, one moment please.")


def cmd_count(args):
    holding = holding_text(args.config_dir)
    n = 0
    for _, _, _, _, body in read_sends(os.path.join(args.work, "sends.log")):
        if body is not None and text_of(body) != holding:
            n += 1
    print(n)


def check_sends(work, holding, api_version, token):
    with open(os.path.join(work, "expected.json"), encoding="utf-8") as f:
        expected_doc = json.load(f)
    expected = collections.Counter((m["pnid"], m["from"]) for m in expected_doc["messages"])
    got = collections.Counter()
    holding_by_pair = collections.Counter()
    res = {"sends": 0, "replies": 0, "holding_sends": 0, "bad_body": 0, "wrong_path": 0, "bad_auth": 0,
           "first_send_t": None, "last_send_t": None, "last_reply_t": None, "sink_ids": []}
    per_pnid = collections.Counter()
    for t, uri, auth, sink_id, body in read_sends(os.path.join(work, "sends.log")):
        res["sends"] += 1
        if t is None or body is None or text_of(body) is None or "to" not in body:
            res["bad_body"] += 1
            continue
        res["sink_ids"].append("wamid.sink-" + sink_id)
        res["first_send_t"] = t if res["first_send_t"] is None else min(res["first_send_t"], t)
        res["last_send_t"] = t if res["last_send_t"] is None else max(res["last_send_t"], t)
        parts = uri.split("?")[0].strip("/").split("/")
        if len(parts) != 3 or parts[0] != api_version:
            res["wrong_path"] += 1
        pnid = parts[-2] if len(parts) >= 2 else ""
        if auth != f"Bearer {token}":
            res["bad_auth"] += 1
        pair = (pnid, str(body["to"]))
        if text_of(body) == holding:
            res["holding_sends"] += 1
            holding_by_pair[pair] += 1
            continue
        res["replies"] += 1
        per_pnid[pnid] += 1
        res["last_reply_t"] = t if res["last_reply_t"] is None else max(res["last_reply_t"], t)
        got[pair] += 1
    missing = duplicates = misrouted = 0
    for pair, n in expected.items():
        g = got.get(pair, 0)
        missing += max(0, n - g)
        duplicates += max(0, g - n)
    for pair, g in got.items():
        if pair not in expected:
            misrouted += g
    res.update({
        "expected_replies": sum(expected.values()),
        "missing": missing, "duplicates": duplicates, "misrouted": misrouted,
        "holding_misrouted": sum(n for pair, n in holding_by_pair.items() if pair not in expected),
        # A customer waits at most once per message, so more holding messages than messages
        # to one customer are repeats.
        "holding_excess": sum(max(0, n - expected.get(pair, 0)) for pair, n in holding_by_pair.items()),
        "conversations_with_holding": len(holding_by_pair),
        "replies_per_phone_number_id": dict(per_pnid),
    })
    return res, expected_doc


def check_database(path, expected_doc, sink_ids):
    """Informational cross-check with the server's SQLite file (None when unreadable)."""
    if not path or not os.path.exists(path):
        return None
    out = {}
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        q = lambda sql: db.execute(sql).fetchall()
        wamids = [row[0] for row in q("SELECT provider_message_id FROM messages WHERE direction = 'inbound' AND provider = 'meta'")]
        expected_ids = {m["wamid"] for m in expected_doc["messages"]}
        out["inbound_rows"] = len(wamids)
        out["inbound_duplicate_rows"] = len(wamids) - len(set(wamids))
        out["inbound_missing"] = len(expected_ids - set(wamids))
        out["inbound_unanswered"] = q("SELECT count(*) FROM messages WHERE direction = 'inbound' AND status = 'received'")[0][0]
        out["outbound_by_purpose_status"] = {
            f"{purpose}/{status}": n
            for purpose, status, n in q("SELECT coalesce(purpose, '-'), status, count(*) FROM messages WHERE direction = 'outbound' GROUP BY 1, 2")
        }
        out["outbound_possibly_duplicated"] = q("SELECT count(*) FROM messages WHERE direction = 'outbound' AND possibly_duplicated = 1")[0][0]
        recorded = collections.Counter(
            row[0] for row in q("SELECT provider_message_id FROM messages WHERE direction = 'outbound' AND provider_message_id IS NOT NULL"))
        sink = collections.Counter(sink_ids)
        # A send whose answer the server never recorded was sent again (or lost track of).
        out["sink_sends_not_recorded"] = sum((sink - recorded).values())
        out["recorded_ids_not_at_sink"] = sum((recorded - sink).values())
        db.close()
    except sqlite3.Error as error:
        out["error"] = str(error)
    return out


def env_float(name):
    try:
        return float(os.environ.get(name, ""))
    except ValueError:
        return None


def cmd_final(args):
    work = args.work
    holding = holding_text(args.config_dir)
    api_version = config_value(args.config_dir, "api_version", "v21.0")
    sends, expected_doc = check_sends(work, holding, api_version, os.environ.get("BENCH_TOKEN", "bench"))
    sink_ids = sends.pop("sink_ids")
    meta = expected_doc["meta"]

    replay = {}
    try:
        with open(os.path.join(work, "wrk.out"), encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("REPLAY "):
                    replay = json.loads(line[len("REPLAY "):])
    except (OSError, ValueError):
        pass
    proc = {}
    try:
        with open(os.path.join(work, "sampler.json")) as f:
            proc = json.load(f)
    except (OSError, ValueError):
        pass
    server = proc.get("processes", {}).get("server", {})
    sink = proc.get("processes", {}).get("sink", {})
    db = check_database(os.path.join(work, "bench.sqlite"), expected_doc, sink_ids)

    t0, t1 = env_float("T_REPLAY_START"), env_float("T_REPLAY_END")
    replay_s = replay.get("seconds") or ((t1 - t0) if t0 and t1 else None)
    if t0 and replay_s:
        t1 = t0 + replay_s   # wrk's own clock: the last answer, without wrk's exit
    acked = replay.get("status_2xx", 0)
    lat = replay.get("latency_us", {})
    e2e_s = (sends["last_reply_t"] - t0) if sends["last_reply_t"] and t0 else None
    health = {}
    for name in ("start", "end"):
        try:
            with open(os.path.join(work, f"health_{name}.json")) as f:
                health[name] = json.load(f)
        except (OSError, ValueError):
            health[name] = None
    result = {
        "label": os.environ.get("LABEL"),
        "timestamp": os.environ.get("STAMP"),
        "git_commit": os.environ.get("GIT_COMMIT"),
        "binary": {"path": os.environ.get("BINARY"), "mtime": os.environ.get("BINARY_MTIME")},
        "host": {"cpus": os.cpu_count(), "kernel": os.uname().release,
                 "cpu_busy_pct_before_replay": env_float("HOST_BUSY_PCT"), "loadavg_at_report": " ".join(f"{x:.2f}" for x in os.getloadavg())},
        "knobs": {k: os.environ.get(k) for k in ("N", "CONNS", "CONTACTS", "DUP_RATE", "SEED", "MAX_WORKERS", "SQLITE_SYNCHRONOUS",
                                                 "BUSY_THRESHOLD", "WRK_MAX_S", "DRAIN_TIMEOUT_S", "SETTLE_S")},
        "traffic": meta,
        "server": {"startup_s": env_float("STARTUP_S"), "idle_rss_mib": env_float("IDLE_RSS_MIB"),
                   "alive_after_run": os.environ.get("SERVER_ALIVE") == "1", "exit_status_after_term": os.environ.get("SERVER_EXIT")},
        "replay": replay,
        "figures": {
            "acknowledged_per_s": round(acked / replay_s, 1) if replay_s else None,
            "ack_p50_ms": round(lat["p50"] / 1000, 3) if "p50" in lat else None,
            "ack_p99_ms": round(lat["p99"] / 1000, 3) if "p99" in lat else None,
            "replay_s": round(replay_s, 3) if replay_s else None,
            "replies_per_s_end_to_end": round(sends["replies"] / e2e_s, 1) if e2e_s else None,
            "end_to_end_s": round(e2e_s, 3) if e2e_s else None,
            "last_reply_after_last_ack_s": round(sends["last_reply_t"] - t1, 3) if sends["last_reply_t"] and t1 else None,
            "server_peak_rss_mib": server.get("peak_rss_mib"),
            "server_vmhwm_mib": server.get("vmhwm_mib"),
            "server_cpu_s": server.get("cpu_s"),
            "sink_cpu_s": sink.get("cpu_s"),
            "sampled_s": proc.get("seconds"),
        },
        "drained": os.environ.get("DRAINED") == "1",
        "sends": sends,
        "database": db,
        "health": health,
    }
    problems = []
    if replay.get("sent", 0) < meta["total_requests"] or replay.get("responses", 0) < replay.get("sent", 0):
        problems.append(f"the replay did not finish: {replay.get('sent', 0)} of {meta['total_requests']} requests sent, "
                        f"{replay.get('responses', 0)} answered (socket errors or the WRK_MAX_S bound)")
    if acked < replay.get("responses", 0):
        problems.append(f"{replay.get('responses', 0) - acked} webhooks were not answered 2xx ({replay.get('codes')})")
    if sends["missing"]:
        problems.append(f"{sends['missing']} of {sends['expected_replies']} messages got no reply")
    if sends["duplicates"]:
        problems.append(f"{sends['duplicates']} replies were sent more than once (more sends than messages for a customer)")
    if sends["misrouted"]:
        problems.append(f"{sends['misrouted']} replies went to a number/customer pair that never wrote")
    if sends["holding_excess"]:
        problems.append(f"{sends['holding_excess']} holding messages beyond one per message "
                        f"({sends['holding_sends']} holding messages in {sends['conversations_with_holding']} conversations)")
    if sends["wrong_path"]:
        problems.append(f"{sends['wrong_path']} sends used a path other than /{api_version}/<phone_number_id>/messages")
    if sends["bad_body"]:
        problems.append(f"{sends['bad_body']} sends had an unreadable body")
    result["ok"] = not problems
    result["problems"] = problems
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
        f.write("\n")

    fig = result["figures"]
    def fmt(v, unit=""):
        return "n/a" if v is None else f"{v}{unit}"
    socket = replay.get("socket_errors", {})
    print()
    print(f"=== scripts/bench {result['label']}  ({meta['total_requests']} requests: {meta['unique_messages']} messages from "
          f"{meta['contacts']} customers + {meta['duplicate_deliveries']} redeliveries; wrk -t1 -c{os.environ.get('CONNS')}; "
          f"MAX_WORKERS={os.environ.get('MAX_WORKERS')} SQLITE_SYNCHRONOUS={os.environ.get('SQLITE_SYNCHRONOUS')})")
    print(f"acknowledged/s   : {fmt(fig['acknowledged_per_s'])}  ({acked} x 2xx of {replay.get('responses', 0)} responses in "
          f"{fmt(fig['replay_s'], ' s')}; 4xx {replay.get('status_4xx', 0)} 5xx {replay.get('status_5xx', 0)}; socket errors "
          f"{sum(socket.values()) if socket else 'n/a'})")
    print(f"ack latency      : p50 {fmt(fig['ack_p50_ms'], ' ms')}  p99 {fmt(fig['ack_p99_ms'], ' ms')}  "
          f"(max {fmt(round(lat['max'] / 1000, 1) if 'max' in lat else None, ' ms')})")
    print(f"replies/s e2e    : {fmt(fig['replies_per_s_end_to_end'])}  ({sends['replies']} replies, last one "
          f"{fmt(fig['end_to_end_s'], ' s')} after the replay started, {fmt(fig['last_reply_after_last_ack_s'], ' s')} after the last ack)")
    print(f"server memory    : peak RSS {fmt(fig['server_peak_rss_mib'], ' MiB')} (idle {fmt(result['server']['idle_rss_mib'], ' MiB')}, "
          f"VmHWM {fmt(fig['server_vmhwm_mib'], ' MiB')})")
    print(f"server CPU       : {fmt(fig['server_cpu_s'], ' s')} over {fmt(fig['sampled_s'], ' s')} sampled "
          f"({os.cpu_count()} CPUs; sink {fmt(fig['sink_cpu_s'], ' s')})")
    busy = env_float("HOST_BUSY_PCT")
    if busy is not None and busy > 20:
        print(f"note             : other work kept the machine {busy:.0f}% busy just before the replay; "
              f"figures are lower than on an idle machine")
    print(f"replies checked  : expected {sends['expected_replies']}, missing {sends['missing']}, duplicates {sends['duplicates']}, "
          f"misrouted {sends['misrouted']}; holding messages {sends['holding_sends']} "
          f"(to {sends['conversations_with_holding']} conversations, {sends['holding_excess']} beyond one per message)")
    if db is not None:
        if "error" in db:
            print(f"database         : not readable ({db['error']})")
        else:
            print(f"database         : {db['inbound_rows']} inbound rows ({db['inbound_duplicate_rows']} duplicated, "
                  f"{db['inbound_missing']} missing, {db['inbound_unanswered']} unanswered); sends not recorded "
                  f"{db['sink_sends_not_recorded']}; outbound {db['outbound_by_purpose_status']}")
    print(f"result           : {'OK' if result['ok'] else 'FAILED'}  -> {args.out}")
    for problem in problems:
        print(f"FAILED: {problem}")
    return 0 if result["ok"] else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("count")
    c.add_argument("--work", required=True)
    c.add_argument("--config-dir", required=True)
    f = sub.add_parser("final")
    f.add_argument("--work", required=True)
    f.add_argument("--config-dir", required=True)
    f.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.cmd == "count":
        return cmd_count(args)
    return cmd_final(args)


if __name__ == "__main__":
    sys.exit(main())
