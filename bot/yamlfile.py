"""Read YAML that staff edit, keeping the line of every mapping key so errors can point at it."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.problems import Problem

# libyaml's parser when PyYAML was built with it (its wheels are): same events and marks, faster.
_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Mapping(dict):
    """A YAML mapping that knows where it and each of its keys stand (1-based lines)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _Loader(_BASE):  # type: ignore[misc, valid-type]
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Mapping:
    mapping = Mapping()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[str(key)] = key_node.start_mark.line + 1
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load(path: Path, problems: list[Problem]) -> object | None:
    """The document in `path`, or None after adding a Problem (missing file, not UTF-8, bad YAML)."""
    return _read(path, problems, lambda text: yaml.load(text, Loader=_Loader))


def compose(path: Path, problems: list[Problem]) -> yaml.Node | None:
    """The node tree of `path` (styles and marks kept), or None after adding a Problem."""
    return _read(path, problems, lambda text: yaml.compose(text, Loader=_BASE))


def _read(path: Path, problems: list[Problem], parse):
    try:
        return parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(path, 0, "the file is missing", f"create {path.name}"))
    except UnicodeDecodeError:
        problems.append(Problem(path, 0, "the file is not UTF-8", "save it as UTF-8"))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        started = error.context_mark
        context = (f", {error.context} that starts on line {started.line + 1}"
                   if error.context and started and mark and started.line != mark.line else "")
        problems.append(Problem(path, mark.line + 1 if mark else 0, f"YAML syntax: {error.problem}{context}",
                                "check the indentation and brackets, and quote text that contains ': ' "
                                "or starts with a symbol"))
    return None
