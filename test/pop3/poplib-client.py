"""Drives Python's poplib against a POP3 server and reports what it saw as JSON.

Usage: poplib-client.py PORT USER PASSWORD OUTDIR MODE
MODE: "stls"  - STLS, USER/PASS, STAT, LIST, UIDL, RETR all (to OUTDIR/<n>.eml), TOP 1 2, DELE 1, QUIT
      "ssl"   - the same over implicit TLS (POP3_SSL), without STLS
      "apop"  - APOP login, STAT, QUIT
"""
import json
import os
import poplib
import ssl
import sys

port, user, password, outdir, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
report = {}

if mode == "ssl":
    pop = poplib.POP3_SSL("127.0.0.1", port, context=context, timeout=30)
else:
    pop = poplib.POP3("127.0.0.1", port, timeout=30)
report["welcome"] = pop.getwelcome().decode()
report["capa"] = sorted(pop.capa().keys())

if mode == "apop":
    report["login"] = pop.apop(user, password).decode()
    report["stat"] = list(pop.stat())
    report["quit"] = pop.quit().decode()
    print(json.dumps(report))
    sys.exit(0)

if mode == "stls":
    report["stls"] = pop.stls(context).decode()
    report["capa_after_stls"] = sorted(pop.capa().keys())
pop.user(user)
report["login"] = pop.pass_(password).decode()
report["stat"] = list(pop.stat())
_, listing, _ = pop.list()
report["list"] = [line.decode() for line in listing]
_, uidl, _ = pop.uidl()
report["uidl"] = [line.decode() for line in uidl]
report["retr_octets"] = []
for entry in report["list"]:
    number = entry.split()[0]
    _, lines, octets = pop.retr(number)
    report["retr_octets"].append(octets)
    with open(os.path.join(outdir, number + ".eml"), "wb") as out:
        out.write(b"".join(line + b"\r\n" for line in lines))
_, top, _ = pop.top(1, 2)
report["top"] = [line.decode("utf-8", "replace") for line in top]
report["dele"] = pop.dele(1).decode()
report["quit"] = pop.quit().decode()
print(json.dumps(report))
