"""YAML that remembers where each value stood, for error messages that name the line.

The loader is PyYAML's safe loader with two YAML 1.1 surprises removed: only
true/false are booleans (`iso: NO` stays Norway) and dates stay strings, so that Solar
Hijri dates such as 1403-02-31 are parsed by Khabar rather than rejected by PyYAML.
Front matter comes from other people: a document whose aliases would expand it beyond a
small budget (a nine-line "billion laughs" is 10^9 values) is refused before it is built.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode


class LineDict(dict[str, Any]):
    """A mapping that knows the line of itself and of each of its keys (1-based)."""

    line: int = 0
    key_lines: dict[str, int]
    duplicates: list[tuple[str, int]]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A list that knows the line of itself and of each item (1-based)."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


# libyaml's parser when PyYAML has it (10x faster on front matter), the same safe
# constructors either way.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    pass


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (
        "tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _construct_map(loader: yaml.SafeLoader, node: Node) -> LineDict:
    assert isinstance(node, MappingNode)
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.duplicates = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        line = key_node.start_mark.line + 1
        if key in result:
            result.duplicates.append((key, line))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _construct_seq(loader: yaml.SafeLoader, node: Node) -> LineList:
    assert isinstance(node, SequenceNode)
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


class YamlSyntaxError(ValueError):
    """A YAML document that does not parse, with the 1-based line of the problem."""

    def __init__(self, message: str, line: int | None, hint: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.hint = hint


# How many values YAML aliases may add to a document beyond the ones written in it. A
# nine-line "billion laughs" (anchors of lists of aliases of anchors...) expands to 10^9
# values and takes all memory; a real front matter or site.yaml repeats a few values.
ALIAS_BUDGET = 10_000


class YamlTooLarge(YamlSyntaxError):
    """A document that aliases would expand beyond ALIAS_BUDGET values, or into itself."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message, line, "write the values out; anchors and aliases are for "
                         "small repeats")


def load(text: str) -> Any:
    """Parse one YAML document safely, keeping lines; raise YamlSyntaxError with the line.

    The node graph is composed first (linear in the text: an alias is a second reference
    to one node) and its size with aliases followed is checked before any value is built.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "*" in text:  # no alias without one: most documents skip the walk
            _check_expansion(node)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlSyntaxError(f"invalid YAML: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"invalid YAML: {exc}", None) from None
    except RecursionError:  # PyYAML's pure-Python composer on absurdly deep nesting
        raise YamlSyntaxError("invalid YAML: nested too deeply", None,
                              "a front matter or site.yaml needs a few levels") from None
    finally:
        loader.dispose()


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_expansion(root: Node) -> None:
    """Raise YamlTooLarge when following every alias gives more than ALIAS_BUDGET values
    beyond the document's own nodes, or a value that contains itself.

    Each node's expanded size is computed once (by identity), so the check is linear in
    the composed document however far its aliases would expand. Iterative: no recursion
    limit to hit on deep nesting."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # the nodes whose children are being counted: ancestors
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            size = 1 + sum(sizes[id(child)] for child in _children(node))
            if size - len(sizes) > ALIAS_BUDGET:
                raise YamlTooLarge(f"expands to more than {ALIAS_BUDGET:,} values through "
                                   "YAML aliases", node.start_mark.line + 1)
            sizes[key] = size
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise YamlTooLarge("contains itself through a YAML alias (an endless value)",
                               node.start_mark.line + 1)
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)


def plain(value: Any) -> Any:
    """LineDict/LineList back to plain dicts and lists (keys as strings): for yaml.safe_dump,
    and for what a Markdown extension is given."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
