"""Load the NLU training data in `intents/`: Rasa 3.x YAML, one file per language.

Staff edit these files by hand, so every problem is reported with the file, the line and a fix,
and all problems in all files are reported at once.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot import yamlfile
from bot.languages import SUPPORTED
from bot.nlu.phrases import problem as phrase_problem
from bot.problems import Problem, ProblemsError

# The contract's intents. Topics beyond these may be added as data, in every language file.
CONTRACT_INTENTS: tuple[str, ...] = (
    "housing", "language_classes", "jobs", "healthcare", "greet", "goodbye", "thanks", "help",
    "change_language", "human_handoff", "emergency", "out_of_scope",
)
EMERGENCY_LOOKUP = "emergency_phrases"
TERMS_SUFFIX = "_terms"  # `lookup: housing_terms` lists words that signal the intent `housing`
RASA_VERSION = "3.1"


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    language: str
    line: int


@dataclass
class TrainingData:
    examples: list[Example] = field(default_factory=list)
    # lookup table name -> language -> phrases (Rasa `lookup:` tables)
    lookups: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @property
    def emergency_phrases(self) -> list[str]:
        return [p for phrases in self.lookups.get(EMERGENCY_LOOKUP, {}).values() for p in phrases]

    @property
    def intent_terms(self) -> dict[str, list[tuple[str, str]]]:
        """language -> (term, intent) pairs from that language's `<intent>_terms` tables."""
        terms: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for name, by_language in self.lookups.items():
            if name.endswith(TERMS_SUFFIX):
                for language, phrases in by_language.items():
                    terms[language] += [(term, name.removesuffix(TERMS_SUFFIX)) for term in phrases]
        return dict(terms)

    @property
    def intents(self) -> list[str]:
        return sorted({e.intent for e in self.examples})


class TrainingDataError(ProblemsError):
    """Problems in `intents/`."""


def load_training_data(directory: Path, languages: tuple[str, ...] = SUPPORTED) -> TrainingData:
    """Read `<language>.yml` for every language; raise TrainingDataError listing every problem."""
    data = TrainingData()
    problems: list[Problem] = []
    intents_by_language: dict[str, set[str]] = {}
    intent_lines: dict[tuple[str, str], int] = {}
    for language in languages:
        path = directory / f"{language}.yml"
        if not path.exists():
            problems.append(Problem(path, 0, f"no training file for language '{language}'",
                                    f"create {path.name} with the same intents as the other files"))
            continue
        found = _read_file(path, language, data, problems, intent_lines)
        intents_by_language[language] = found
    for name in sorted(directory.glob("*.yml")):
        if name.stem not in SUPPORTED:
            problems.append(Problem(name, 0, f"'{name.stem}' is not a supported language code",
                                    f"rename it to one of: {' '.join(SUPPORTED)}"))
    problems += _check_intents_everywhere(directory, intents_by_language, intent_lines)
    problems += _check_term_tables(directory, data)
    if problems:
        raise TrainingDataError(problems)
    return data


def _read_file(path: Path, language: str, data: TrainingData, problems: list[Problem],
               intent_lines: dict[tuple[str, str], int]) -> set[str]:
    root = yamlfile.compose(path, problems)
    if root is None:
        return set()
    top = _mapping(root)
    if top is None:
        problems.append(Problem(path, 1, "the file is not a YAML mapping",
                                f'start it with: version: "{RASA_VERSION}" and nlu:'))
        return set()
    version = top.get("version")
    if version is None or version.value != RASA_VERSION or version.style not in ('"', "'"):
        line = version.start_mark.line + 1 if version is not None else 1
        problems.append(Problem(path, line, "missing or wrong training data version",
                                f'write version: "{RASA_VERSION}" (Rasa 3.x format, in quotes)'))
    nlu = top.get("nlu")
    if not isinstance(nlu, yaml.SequenceNode):
        problems.append(Problem(path, 1, "no 'nlu:' list", "add 'nlu:' followed by '- intent: ...' items"))
        return set()
    found: set[str] = set()
    for item in nlu.value:
        _read_block(path, language, item, data, problems, found, intent_lines)
    return found


def _read_block(path: Path, language: str, item: yaml.Node, data: TrainingData,
                problems: list[Problem], found: set[str],
                intent_lines: dict[tuple[str, str], int]) -> None:
    line = item.start_mark.line + 1
    block = _mapping(item)
    if block is None or not ({"intent", "lookup"} & block.keys()):
        problems.append(Problem(path, line, "an 'nlu' item that is neither an intent nor a lookup",
                                "start the item with '- intent: NAME' followed by 'examples: |'"))
        return
    examples_node = block.get("examples")
    if not isinstance(examples_node, yaml.ScalarNode) or not examples_node.value.strip():
        problems.append(Problem(path, line, "an item with no examples",
                                "add 'examples: |' and, indented below it, one '- example' per line"))
        return
    if examples_node.style != "|":
        problems.append(Problem(path, examples_node.start_mark.line + 1, "examples are not a '|' block",
                                "write 'examples: |' so that each line stays its own example"))
        return
    texts = list(_example_lines(path, examples_node, problems))
    if "lookup" in block:
        name = block["lookup"].value if isinstance(block["lookup"], yaml.ScalarNode) else ""
        if name != EMERGENCY_LOOKUP and not name.endswith(TERMS_SUFFIX):
            close = difflib.get_close_matches(name, [EMERGENCY_LOOKUP], n=1)
            problems.append(Problem(path, line, f"unknown lookup table '{name}'",
                                    f"did you mean '{close[0]}'?" if close else
                                    f"name it {EMERGENCY_LOOKUP} or <intent>{TERMS_SUFFIX}"))
            return
        for n, text in texts:
            if why := phrase_problem(text):
                problems.append(Problem(path, n, f"the phrase {text!r} cannot be matched: {why}",
                                        "make it longer or more specific, or remove it"))
        data.lookups.setdefault(name, {}).setdefault(language, []).extend(text for _, text in texts)
        return
    if not isinstance(block["intent"], yaml.ScalarNode):
        problems.append(Problem(path, line, "the intent name is not a single word",
                                "write it as '- intent: housing', without brackets"))
        return
    intent = block["intent"].value
    if not intent or not intent.replace("_", "").isalnum() or intent != intent.lower():
        problems.append(Problem(path, line, f"'{intent}' is not a valid intent name",
                                "use lowercase letters, digits and underscores, e.g. housing"))
        return
    found.add(intent)
    intent_lines.setdefault((language, intent), line)
    data.examples.extend(Example(text, intent, language, n) for n, text in texts)


def _example_lines(path: Path, node: yaml.ScalarNode, problems: list[Problem]):
    # A block scalar's content starts on the line after its '|' indicator.
    first = node.start_mark.line + 2 if node.style == "|" else node.start_mark.line + 1
    for offset, raw in enumerate(node.value.splitlines()):
        text = raw.strip()
        if not text:
            continue
        if not text.startswith("- ") or not text[2:].strip():
            problems.append(Problem(path, first + offset, f"example line does not start with '- ': {text[:40]!r}",
                                    "write each example as '- the message', one per line"))
            continue
        yield first + offset, text[2:].strip()


def _check_intents_everywhere(directory: Path, by_language: dict[str, set[str]],
                              lines: dict[tuple[str, str], int]) -> list[Problem]:
    """Every language file must teach every intent: a missing one would silently never be
    recognised in that language. An intent found in few files is most likely a typo."""
    problems: list[Problem] = []
    if not by_language:
        return problems
    everywhere = set(CONTRACT_INTENTS)
    seen_in: dict[str, list[str]] = defaultdict(list)
    for language, intents in by_language.items():
        for intent in intents:
            seen_in[intent].append(language)
    majority = {i for i, langs in seen_in.items() if len(langs) * 2 > len(by_language)}
    for language, intents in by_language.items():
        path = directory / f"{language}.yml"
        for intent in sorted((everywhere | majority) - intents):
            problems.append(Problem(path, 0, f"intent '{intent}' has no examples in this file",
                                    f"add '- intent: {intent}' with examples in this language"))
        for intent in sorted(intents - everywhere - majority):
            close = difflib.get_close_matches(intent, sorted(everywhere | majority), n=1)
            hint = (f"did you mean '{close[0]}'?" if close else
                    f"a new topic needs examples in every language file ({len(seen_in[intent])} have it)")
            problems.append(Problem(path, lines[(language, intent)],
                                    f"intent '{intent}' is not in the other language files", hint))
    return problems


def _check_term_tables(directory: Path, data: TrainingData) -> list[Problem]:
    known = set(data.intents)
    problems = []
    for name, by_language in data.lookups.items():
        intent = name.removesuffix(TERMS_SUFFIX)
        if name.endswith(TERMS_SUFFIX) and intent not in known:
            close = difflib.get_close_matches(intent, sorted(known), n=1)
            for language in by_language:
                problems.append(Problem(directory / f"{language}.yml", 0,
                                        f"lookup '{name}' names no known intent",
                                        f"rename it to '{close[0]}{TERMS_SUFFIX}'" if close else
                                        f"name it <intent>{TERMS_SUFFIX} after one of: {' '.join(sorted(known))}"))
    return problems


def _mapping(node: yaml.Node | None) -> dict[str, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return {key.value: value for key, value in node.value if isinstance(key, yaml.ScalarNode)}
