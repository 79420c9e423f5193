"""Reading site.yaml: typed access to one YAML mapping, every problem recorded with its
line and a hint, so that one run reports them all."""

from __future__ import annotations

import difflib

from . import text, yamlsrc
from .errors import Collector


class Reader:
    """Typed access to one YAML mapping that records every problem with its line."""

    def __init__(self, data: yamlsrc.LineDict, where: str, path: str, errors: Collector,
                 allowed: set[str] | frozenset[str]) -> None:
        self.data, self.where, self.path, self.errors = data, where, path, errors
        for key, line in data.duplicates:
            errors.error(path, line, f"{where}: key '{key}' is given twice",
                         "keep one of them")
        for key in data:
            if key not in allowed:
                near = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = f"did you mean '{near[0]}'?" if near else \
                    f"allowed keys: {', '.join(sorted(allowed))}"
                errors.error(path, data.line_of(key), f"{where}: unknown key '{key}'" if where
                             else f"unknown key '{key}'", hint)

    def line(self, key: str) -> int:
        return self.data.line_of(key)

    def _inside(self) -> str:
        """Where a missing key goes, for its hint."""
        return f"under `{self.where}:`" if self.where else "at the top of site.yaml"

    def error(self, key: str, message: str, hint: str) -> None:
        self.errors.error(self.path, self.line(key), f"{self.where}.{key}: {message}"
                          if self.where else f"{key}: {message}", hint)

    def string(self, key: str, required: bool = True, default: str = "") -> str:
        if key not in self.data:
            if required:
                self.errors.error(self.path, self.data.line,
                                  f"{self.where or 'site'}: missing required key '{key}'",
                                  f"add a line `{key}: ...` {self._inside()}")
            return default
        value = self.data[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.error(key, "must be a non-empty string", f"write e.g. `{key}: some text`")
            return default
        return value.strip()

    def integer(self, key: str, default: int, minimum: int = 1) -> int:
        if key not in self.data:
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.error(key, f"must be a whole number of at least {minimum}",
                       f"write e.g. `{key}: {max(default, minimum)}`")
            return default
        return value

    def mapping(self, key: str, required: bool = True) -> yamlsrc.LineDict | None:
        if key not in self.data:
            if required:
                self.errors.error(self.path, self.data.line,
                                  f"{self.where or 'site'}: missing required key '{key}'",
                                  f"add a `{key}:` block {self._inside()}; the README's "
                                  "site.yaml section has an example")
            return None
        value = self.data[key]
        if not isinstance(value, yamlsrc.LineDict):
            self.error(key, "must be a mapping (key: value lines)",
                       f"write `{key}:` and below it indented `name: value` lines")
            return None
        return value

    def per_language(self, key: str, codes: tuple[str, ...], required: bool = True
                     ) -> dict[str, str]:
        """A `{fa: ..., en: ...}` value; a plain string counts for every language."""
        if key not in self.data:
            if required:
                self.errors.error(self.path, self.data.line,
                                  f"{self.where or 'site'}: missing required key '{key}'",
                                  f"give it per language, e.g. {key}: {{{codes[0]}: ...}}"
                                  if codes else f"add a line `{key}: ...`")
            return {}
        value = self.data[key]
        if isinstance(value, str):
            return {c: shown_in(value, c) for c in codes}
        if not isinstance(value, yamlsrc.LineDict):
            self.error(key, "must be a string or a mapping of language to string",
                       f"write e.g. `{key}: {{{', '.join(f'{c}: ...' for c in codes)}}}`")
            return {}
        sub = Reader(value, f"{self.where}.{key}" if self.where else key, self.path,
                      self.errors, set(codes))
        out = {c: shown_in(sub.string(c, required=required), c) for c in codes
               if c in value or required}
        return out


def shown_in(value: str, code: str) -> str:
    """A name or title as language `code` shows it: one line, in its own letters."""
    return text.in_script_of(text.clean_line(value), code)
