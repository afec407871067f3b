"""Schema ``pattern`` regexes: Go RE2 syntax run by Python ``re``.

kube-apiserver matches ``pattern`` with Go's ``regexp`` (an unanchored search, ASCII ``\\d``
``\\w`` ``\\s``, ``$`` = end of text). The common subset reads the same in Python; the few
spellings that differ are translated, and what RE2 refuses (look-around, back-references)
is reported the way ``regexp.Compile`` reports it, so CRDs using them are rejected as
upstream rejects them.
"""

from __future__ import annotations

import functools
import re
import warnings

_POSIX = {"alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z",
          "lower": "a-z", "space": "\\t\\n\\v\\f\\r ", "xdigit": "0-9A-Fa-f",
          "punct": "!-/:-@\\[-`{-~", "word": "0-9A-Za-z_", "blank": "\\t ",
          "cntrl": "\\x00-\\x1f\\x7f", "print": " -~", "graph": "!-~", "ascii": "\\x00-\\x7f"}
# Unicode classes Python's re lacks: letters and numbers beyond ASCII, approximately.
_UNICODE = {"L": "a-zA-Z\\u00aa\\u00b5\\u00ba\\u00c0-\\u00d6\\u00d8-\\u00f6\\u00f8-\\uffff",
            "Lu": "A-Z\\u00c0-\\u00d6\\u00d8-\\u00de", "Ll": "a-z\\u00df-\\u00f6\\u00f8-\\u00ff",
            "N": "0-9\\u00b2\\u00b3\\u00b9\\u00bc-\\u00be\\u0660-\\u0669", "Nd": "0-9"}
_UNSUPPORTED = re.compile(r"\(\?<?[=!]|\\[1-9]")
_SAME_ERRORS = (("missing ), unterminated subpattern", "missing closing )"),
                ("unbalanced parenthesis", "unexpected )"),
                ("unterminated character set", "missing closing ]"),
                ("nothing to repeat", "missing argument to repetition operator"),
                ("multiple repeat", "invalid nested repetition operator"))


def unsupported(pattern: str) -> str:
    """Why RE2 (Go's regexp) refuses ``pattern``, in its words; empty when it would not
    for any reason this module knows of."""
    for match in _UNSUPPORTED.finditer(pattern):
        if _escaped(pattern, match.start()):
            continue
        text = match.group()
        if text.startswith("\\"):
            return f"error parsing regexp: invalid escape sequence: `{text}`"
        return f"error parsing regexp: invalid or unsupported Perl syntax: `{text}`"
    try:
        _compile(pattern)
    except re.error as err:
        # Only the mistakes RE2 refuses too; Python-only limits must not reject a CRD.
        for python, go in _SAME_ERRORS:
            if str(err).startswith(python):
                return f"error parsing regexp: {go}: `{pattern}`"
    except ValueError:
        pass
    return ""


def _escaped(text: str, index: int) -> bool:
    slashes = 0
    while index - slashes - 1 >= 0 and text[index - slashes - 1] == "\\":
        slashes += 1
    return slashes % 2 == 1


@functools.lru_cache(maxsize=1024)
def compile_go(pattern: str) -> re.Pattern[str] | None:
    """``pattern`` compiled for ``search``; None when Python cannot run it (the check is
    then skipped rather than guessed)."""
    try:
        return _compile(pattern)
    except (re.error, ValueError):
        return None


def _compile(pattern: str) -> re.Pattern[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FutureWarning on "--" or "&&" inside a class
        return re.compile(_translate(pattern), re.ASCII)


def _translate(pattern: str) -> str:
    multiline = "(?m" in pattern or "(?sm" in pattern or "(?im" in pattern
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt in "pP":
                name, i = _class_name(pattern, i + 2)
                ranges = _UNICODE.get(name)
                if ranges is None:
                    raise ValueError(f"invalid character class range: `\\p{{{name}}}`")
                negate = "^" if nxt == "P" else ""
                out.append(ranges if in_class and not negate else f"[{negate}{ranges}]")
                continue
            out.append("\\Z" if nxt == "z" else ch + nxt)
            i += 2
            continue
        if in_class:
            if ch == "[" and pattern.startswith("[:", i):
                end = pattern.find(":]", i + 2)
                name = pattern[i + 2:end] if end > 0 else ""
                posix = _POSIX.get(name)
                if posix is not None:
                    out.append(posix)
                    i = end + 2
                    continue
            if ch == "]" and out and out[-1] not in ("[", "[^"):
                in_class = False
            out.append("\\[" if ch == "[" else ch)
        elif ch == "[":
            in_class = True
            if pattern.startswith("[^", i):
                out.append("[^")
                i += 2
                continue
            out.append("[")
        elif ch == "$" and not multiline:
            out.append("\\Z")
        elif pattern.startswith("(?<", i) and i + 3 < n and pattern[i + 3] not in "=!":
            out.append("(?P<")
            i += 3
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _class_name(pattern: str, i: int) -> tuple[str, int]:
    if i < len(pattern) and pattern[i] == "{":
        end = pattern.find("}", i)
        if end < 0:
            raise ValueError("missing closing }")
        return pattern[i + 1:end], end + 1
    return pattern[i:i + 1], i + 1
