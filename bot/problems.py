"""Problems in files that staff edit by hand, each with the file, the line and a fix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int  # 1-based; 0 when the problem is the file as a whole
    message: str
    hint: str
    warning: bool = False  # worth fixing, but the data can still be used

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        kind = "warning: " if self.warning else ""
        return f"{where}: {kind}{self.message}\n    fix: {self.hint}"


class ProblemsError(Exception):
    """One or more problems that make the data unusable; str() lists them all."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
