"""contacts.yml: the offices people can reach, and the emergency resources given to anyone in danger."""

from __future__ import annotations

from typing import Iterable

from bot.knowledge.formats import YamlDoc, digest, entry, write_yaml
from bot.knowledge.records import Contact, Record, Records, of_kind

FILE_NAME = "contacts.yml"
KIND = "contacts"
RECORDS = (Contact,)
# Keys of a contact, in the order an export writes them.
KEYS = ("key", "name", "group", "purpose", "phone", "fax", "email", "reply_time", "source", "reviewed")
# "office" for offices people ask about; "crisis" for the emergency resources given to anyone in danger.
GROUPS = ("office", "crisis")
# Every "I don't have that" answer refers people to this office.
STUDENT_SERVICES = "student_services"
HEADER = "Contacts (exported by `python -m bot knowledge export`)."


def parse(text: str) -> Records:
    """Validate contacts.yml whole; raise KnowledgeError listing every problem."""
    problems, doc, root = YamlDoc.open(FILE_NAME, text)
    contacts = doc.required_list(root, "contacts")
    items: list[Record] = []
    keys: set[str] = set()
    for i, raw in enumerate(contacts):
        items.append(_contact(doc, ("contacts", i), raw, keys))
    if STUDENT_SERVICES not in keys:
        doc.report(("contacts",), f"needs an entry with key: {STUDENT_SERVICES}")
    problems.raise_if_any()
    return Records(KIND, RECORDS, tuple(items), sha256=digest(text))


def _contact(doc: YamlDoc, path: tuple, raw: object, keys: set[str]) -> Contact:
    """One contact; ``keys`` are those seen so far (this one is added)."""
    item, key = doc.keyed_item(raw, path, KEYS, keys, "contact")
    reviewed = doc.date(item.get("reviewed"), path + ("reviewed",))
    values = {name: doc.text(item.get(name), path + (name,), limit=300) for name in ("name", "source")}
    for name in ("purpose", "phone", "fax", "email", "reply_time"):
        values[name] = doc.text(item.get(name), path + (name,), required=False, limit=200)
    group = doc.text(item.get("group", "office"), path + ("group",), limit=16)
    contact = Contact(key=key, group=group, reviewed=reviewed, **values)
    if group not in GROUPS:
        doc.report(path + ("group",), f"must be one of {', '.join(GROUPS)}, not {group!r}")
    if group == "crisis" and not contact.phone:
        doc.report(path, "a crisis resource needs a phone number")
    if key == STUDENT_SERVICES and not contact.reply_time:
        # Told to everyone who hands a question to staff ("They will reply <reply_time>").
        doc.report(path, f"{STUDENT_SERVICES} needs reply_time, e.g. 'within two business days'")
    if contact.email and "@" not in contact.email:
        doc.report(path + ("email",), f"is not an email address: {contact.email!r}")
    return contact


def dump(records: Iterable[Record]) -> str:
    """contacts.yml for ``records``, in the order given."""
    return write_yaml({"contacts": [entry(c, KEYS) for c in of_kind(records, Contact)]}, HEADER)
