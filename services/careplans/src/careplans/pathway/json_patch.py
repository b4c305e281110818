"""RFC 6902 JSON Patch, so EHRs can change one element of a plan without resending it."""

import copy
from typing import Any

from careplans.pathway.errors import InvalidPatch

PROTECTED = ("/id", "/resourceType", "/meta")


def _tokens(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise InvalidPatch(f"path {path!r} must start with '/'")
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def _index(container: list[Any], token: str, *, for_add: bool) -> int:
    if token == "-" and for_add:
        return len(container)
    if not token.isdigit() or (len(token) > 1 and token.startswith("0")):
        raise InvalidPatch(f"{token!r} is not an array index")
    index = int(token)
    limit = len(container) if for_add else len(container) - 1
    if index > limit:
        raise InvalidPatch(f"array index {index} is out of range")
    return index


def _parent(doc: Any, tokens: list[str]) -> Any:
    node = doc
    for token in tokens[:-1]:
        if isinstance(node, dict):
            if token not in node:
                raise InvalidPatch(f"path segment {token!r} does not exist")
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(node, token, for_add=False)]
        else:
            raise InvalidPatch(f"path segment {token!r} is inside a scalar")
    return node


def _get(doc: Any, path: str) -> Any:
    tokens = _tokens(path)
    if not tokens:
        return doc
    parent = _parent(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise InvalidPatch(f"path {path!r} does not exist")
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(parent, last, for_add=False)]
    raise InvalidPatch(f"path {path!r} does not exist")


def _remove(doc: Any, path: str) -> Any:
    tokens = _tokens(path)
    if not tokens:
        raise InvalidPatch("cannot remove the whole resource")
    parent = _parent(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise InvalidPatch(f"path {path!r} does not exist")
        return parent.pop(last)
    if isinstance(parent, list):
        return parent.pop(_index(parent, last, for_add=False))
    raise InvalidPatch(f"path {path!r} does not exist")


def _add(doc: Any, path: str, value: Any) -> Any:
    tokens = _tokens(path)
    if not tokens:
        return value
    parent = _parent(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, for_add=True), value)
    else:
        raise InvalidPatch(f"cannot add inside a scalar at {path!r}")
    return doc


def _replace(doc: Any, path: str, value: Any) -> Any:
    _get(doc, path)
    tokens = _tokens(path)
    if not tokens:
        return value
    parent = _parent(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    else:
        parent[_index(parent, last, for_add=False)] = value
    return doc


def apply_patch(resource: dict[str, Any], operations: Any) -> dict[str, Any]:
    """The patched copy; the original is never changed. id, resourceType and meta are fixed."""
    if not isinstance(operations, list) or not operations:
        raise InvalidPatch("a JSON Patch body is a non-empty array of operations")
    doc: Any = copy.deepcopy(resource)
    for number, op in enumerate(operations):
        if not isinstance(op, dict) or not isinstance(op.get("path"), str):
            raise InvalidPatch(f"operation {number} needs 'op' and a string 'path'")
        name, path = op.get("op"), op["path"]
        touched = [path] + ([op["from"]] if name == "move" and "from" in op else [])
        for p in touched:
            if any(p == fixed or p.startswith(fixed + "/") for fixed in PROTECTED) or p == "":
                raise InvalidPatch(f"operation {number} may not change {p or '/'}")
        if name in ("add", "replace", "test") and "value" not in op:
            raise InvalidPatch(f"operation {number} ({name}) needs a 'value'")
        if name == "add":
            doc = _add(doc, path, copy.deepcopy(op["value"]))
        elif name == "remove":
            _remove(doc, path)
        elif name == "replace":
            doc = _replace(doc, path, copy.deepcopy(op["value"]))
        elif name in ("move", "copy"):
            source = op.get("from")
            if not isinstance(source, str):
                raise InvalidPatch(f"operation {number} ({name}) needs a string 'from'")
            value = _remove(doc, source) if name == "move" else copy.deepcopy(_get(doc, source))
            doc = _add(doc, path, value)
        elif name == "test":
            if _get(doc, path) != op["value"]:
                raise InvalidPatch(f"test failed at {path!r}")
        else:
            raise InvalidPatch(f"operation {number}: unknown op {name!r}")
    if not isinstance(doc, dict):
        raise InvalidPatch("the patched resource is not a JSON object")
    return doc
