"""Logs in to a POP3 server with Python's poplib, once per attempt, and reports as JSON.

Usage: poplib-inboxes.py PORT ATTEMPTS_JSON
ATTEMPTS_JSON: [{"user": ..., "password": ..., "mode": "pass" | "apop"}, ...]
Each report: welcome, capa, then either the error text or the login reply, STAT and
the Subject of every message (TOP n 0); the session ends with QUIT, deleting nothing.
"""
import json
import poplib
import sys

port, attempts = int(sys.argv[1]), json.loads(sys.argv[2])
reports = []
for attempt in attempts:
    pop = poplib.POP3("127.0.0.1", port, timeout=30)
    report = {"welcome": pop.getwelcome().decode(), "capa": {k: v for k, v in pop.capa().items()}}
    try:
        if attempt["mode"] == "apop":
            report["login"] = pop.apop(attempt["user"], attempt["password"]).decode()
        else:
            pop.user(attempt["user"])
            report["login"] = pop.pass_(attempt["password"]).decode()
    except poplib.error_proto as error:
        report["error"] = str(error.args[0].decode() if isinstance(error.args[0], bytes) else error.args[0])
        pop.quit()
        reports.append(report)
        continue
    report["stat"] = list(pop.stat())
    subjects = []
    for number in range(1, report["stat"][0] + 1):
        _, lines, _ = pop.top(number, 0)
        subjects += [line.decode()[len("Subject: "):] for line in lines if line.startswith(b"Subject: ")]
    report["subjects"] = subjects
    pop.quit()
    reports.append(report)
print(json.dumps(reports))
