"""Problems found in user input, and the exception that carries them.

Every reader in Tocsin reports bad input the same way: a list of problems,
each naming the file, the line (where there is one) and what was expected.
The command line turns an ``InputError`` into that list on stderr and exit 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    line: int | None = None
    where: str = ""  # a path inside the document, e.g. risk_factors[2].indicators[0].id

    def __str__(self) -> str:
        loc = self.file if self.line is None else f"{self.file}:{self.line}"
        where = f" ({self.where})" if self.where else ""
        return f"{loc}: {self.message}{where}"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "where": self.where, "message": self.message}


class InputError(Exception):
    """Input that Tocsin cannot use: carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, file: str | Path, message: str, line: int | None = None) -> InputError:
        return cls(Problem(str(file), message, line))


class UnreadableError(InputError):
    """The input could not be read at all (missing, not text, not YAML)."""
