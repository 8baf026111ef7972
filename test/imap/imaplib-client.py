"""Drives the IMAP front with Python's imaplib and prints what it saw as JSON."""
import imaplib
import json
import sys

port, user = int(sys.argv[1]), sys.argv[2]
out = {}
imap = imaplib.IMAP4("127.0.0.1", port)
out["login"] = imap.login(user, "secret")[0]
out["capabilities"] = list(imap.capabilities)
typ, folders = imap.list()
out["list"] = [f.decode() for f in folders]
typ, data = imap.select("INBOX")
out["exists"] = int(data[0])
typ, data = imap.search(None, "SUBJECT", '"python"')
out["search"] = data[0].decode()
typ, data = imap.sort("(REVERSE SUBJECT)", "UTF-8", "ALL")
out["sort"] = data[0].decode()
typ, data = imap.thread("REFERENCES", "UTF-8", "ALL")
out["thread"] = data[0].decode()
typ, data = imap.uid("FETCH", "1:*", "(UID RFC822.SIZE BODY.PEEK[])")
out["bodies"] = [part[1].decode() for part in data if isinstance(part, tuple)]
typ, data = imap.store("1", "+FLAGS", "(\\Flagged)")
out["store"] = [d.decode() for d in data]
typ, data = imap.append("Drafts", "(\\Draft)", imaplib.Time2Internaldate(0), b"Subject: from python\r\n\r\nhi\r\n")
out["append"] = [d.decode() for d in data]
typ, data = imap.copy("1", "Archive")
out["copy"] = typ
imap.store("1", "+FLAGS", "(\\Deleted)")
typ, data = imap.expunge()
out["expunge"] = [d.decode() for d in data if d]
imap.create("Py/Child")
imap.subscribe("Py/Child")
lsub = lambda pattern: [d.decode() for d in imap.lsub('""', pattern)[1] if d]
out["lsub"] = lsub("Py*") + lsub("P%")
imap.unsubscribe("Py/Child")
out["lsub_after"] = lsub("P*")
out["logout"] = imap.logout()[0]
print(json.dumps(out))
