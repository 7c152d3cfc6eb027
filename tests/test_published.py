"""The papers' published numbers (xaiaudio.core.published): each equals what the paper prints, and no other
module or chapter types one."""

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from xaiaudio.core import published
from xaiaudio.experiments.claims import CLAIMS
from xaiaudio.report.training_results import PUBLISHED_TABLE1

REPOSITORY = Path(__file__).resolve().parent.parent
PACKAGE = REPOSITORY / "xaiaudio"
#: The papers' text, extracted from their PDFs (CONTRIBUTING: ``../shared/papers``).
PAPER_FOLDERS = [REPOSITORY / "shared" / "papers", REPOSITORY.parent / "shared" / "papers"]
FLOAT = re.compile(r"\d+\.\d+")


def paper(stem: str) -> str:
    for folder in PAPER_FOLDERS:
        path = folder / f"{stem}.md"
        if path.is_file():
            return path.read_text()
    pytest.skip(f"the text of {stem} is not in this checkout")


def line_with(text: str, *keys: str, after: int = 0) -> str:
    """The first line from character ``after`` on that holds every key."""
    return next(line for line in text[after:].splitlines() if all(key in line for key in keys))


def floats(line: str) -> list[float]:
    return [float(value) for value in FLOAT.findall(line)]


def test_wang_table1_and_counts_are_the_papers():
    text = paper("wang2023-lrp-playing-techniques")
    header = line_with(text, "Vibrato", "Trill", "Tremolo").split()
    order = [name.lower() for name in header]
    s1 = line_with(text, r"$\mathbf{S_1} x$" + "\t")
    full = line_with(text, r"$\mathbf{S_1} x + \mathbf{S_2} x$")
    assert dict(zip(order, floats(s1))) == published.WANG_TABLE1["S1"]
    assert dict(zip(order, floats(full))) == published.WANG_TABLE1["S1+S2"]
    counts = re.search(r"contains (\d+),.*?(\d+), (\d+), (\d+), and (\d+) examples, respectively", text, re.S)
    # The paper lists tremolo, flatterzunge, trill, bisbigliando, vibrato.
    listed = ["tremolo", "flatterzunge", "trill", "bisbigliando", "vibrato"]
    assert dict(zip(listed, map(int, counts.groups()))) == published.WANG_SOL_PMT_COUNTS
    assert sum(published.WANG_SOL_PMT_SPLIT.values()) == sum(published.WANG_SOL_PMT_COUNTS.values())
    parameters = re.search(r"number of trainable parameters are (\d+\.\d+) K and (\d+\.\d+) M", text)
    thousands, millions = float(parameters[1]), float(parameters[2])
    assert published.WANG_PARAMETERS == {"S1": thousands * 1e3, "S1+S2": millions * 1e6}


def test_wang_kurtosis_is_the_papers():
    text = paper("wang2023-lrp-playing-techniques")
    found = re.search(r"mean kurtosis obtained .*? are (\d+\.\d+) and (\d+\.\d+), respectively; and "
                      r"the corresponding standard deviation are (\d+\.\d+) and (\d+\.\d+)", text)
    eps_mean, plus_mean, eps_std, plus_std = map(float, found.groups())
    assert published.WANG_KURTOSIS == {"LRP-eps": (eps_mean, eps_std),
                                       "LRP-[eps, z+] published": (plus_mean, plus_std)}
    assert set(published.WANG_KURTOSIS_EARLIER_RUN) == set(published.WANG_KURTOSIS)
    rates = re.search(r"localized around the modulation rate of the playing techniques, e.g. (\d+) Hz for "
                      r"(\w+) and (\d+) Hz for (\w+)\.", text)
    assert published.WANG_RELEVANCE_RATES == {rates[2]: float(rates[1]), rates[4]: float(rates[3])}


def test_loiseau_tables_are_the_papers():
    text = paper("loiseau2022-playable-prototypes")
    rows = {"raw": "Raw prototypes", "gain": "transformation", "pitch": "pitch-shifting",
            "filters": "frequency-filters", "cross-entropy": "cross-entropy"}
    start = text.index("Raw prototypes\t")
    for stage, key in rows.items():
        values = floats(line_with(text, key, after=start))
        expected = [value for dataset in ("SOL", "LibriSpeech")
                    for supervision in ("unsup", "sup")
                    if supervision in published.LOISEAU_TABLE1[dataset][stage]
                    for value in published.LOISEAU_TABLE1[dataset][stage][supervision]]
        assert values == expected, stage
    for table, caption, keys in (
        (published.LOISEAU_TABLE2, "Table 2:", ["Autoencoder + K-means", "APNet [17] + K-means",
                                                "Ours w/o supervision"]),
        (published.LOISEAU_TABLE3, "Table 3:", ["Direct Classification", "APNet [17]\t",
                                                "Ours w supervision"]),
    ):
        block = text[:text.index(caption)]
        block = block[block.rindex("SOL [6,7]"):]
        libri = block.index("LibriSpeech [8]")
        for dataset, after in (("SOL", 0), ("LibriSpeech", libri)):
            for key, scores in zip(keys, table[dataset].values()):
                line = line_with(block, key, after=after)
                assert floats(line) == [v for v in scores if v is not None], (caption, dataset, key)
    found = re.search(r"contains ([\d\s]+?) samples of individual notes .*? by (\d+) different instruments",
                      text)
    samples = int(re.sub(r"\s", "", found[1]))
    assert published.LOISEAU_SOL == {"samples": samples, "instruments": int(found[2])}
    assert published.LOISEAU_SPEAKERS == int(re.search(r"selected the (\d+) predominant speakers", text)[1])
    found = re.search(r"Our model has (\d+)k parameters with K=(\d+) prototypes", text)
    assert published.LOISEAU_PARAMETERS == int(found[1]) * 1000
    assert published.LOISEAU_PARAMETERS_K == int(found[2])


def test_the_claims_and_the_training_table_read_the_constants():
    assert PUBLISHED_TABLE1 is published.WANG_TABLE1
    kurtosis = published.WANG_KURTOSIS
    assert CLAIMS["A2"].paper_value == pytest.approx(
        kurtosis["LRP-[eps, z+] published"].mean - kurtosis["LRP-eps"].mean)
    assert CLAIMS["B3-sol"].paper_value == pytest.approx(
        published.LOISEAU_TABLE3["SOL"]["ours with supervision"].oa
        - published.LOISEAU_TABLE3["SOL"]["direct classification"].oa)
    sol = published.LOISEAU_TABLE1["SOL"]
    assert CLAIMS["B1s-sol"].paper_value == pytest.approx(min(
        sol[a]["sup"].l_rec - sol[b]["sup"].l_rec
        for a, b in [("raw", "gain"), ("gain", "pitch"), ("pitch", "filters")]))


def published_literals() -> set[str]:
    """The published numbers as the papers print them, those distinctive enough to search for: not whole
    numbers, and Loiseau et al.'s (one decimal) only from 10 up."""
    literals = set()

    def add(value, digits: int, smallest: float = 0.0):
        if value is not None and not float(value).is_integer() and value >= smallest:
            literals.add(f"{value:.{digits}f}")

    for row in published.WANG_TABLE1.values():
        for value in row.values():
            add(value, 2)
    for table in (published.WANG_KURTOSIS, published.WANG_KURTOSIS_EARLIER_RUN):
        for pair in table.values():
            for value in pair:
                add(value, 2)
    loiseau = [scores for dataset in published.LOISEAU_TABLE1.values() for stage in dataset.values()
               for scores in stage.values()]
    loiseau += [scores for table in (published.LOISEAU_TABLE2, published.LOISEAU_TABLE3)
                for dataset in table.values() for scores in dataset.values()]
    for scores in loiseau:
        for value in scores:
            add(value, 1, smallest=10.0)
    return literals


def code_text(path: Path) -> str:
    """A module's numbers and strings, without its docstrings and comments (a docstring may cite a figure
    of the papers as an example of a format)."""
    source = path.read_text()
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                docstrings.add(body[0].lineno)
    kept = [token.string for token in tokenize.generate_tokens(io.StringIO(source).readline)
            if token.type == tokenize.NUMBER
            or (token.type == tokenize.STRING and token.start[0] not in docstrings)]
    return "\n".join(kept)


def test_the_search_finds_a_typed_number():
    literals = published_literals()
    assert {"13.82", "19.22", "72.50", "98.9"} <= literals
    assert "100.0" not in literals
    assert typed_numbers('x = "paper: 13.82 and 113.820"', literals) == ["13.82"]


def typed_numbers(text: str, literals: set) -> list[str]:
    return sorted(literal for literal in literals
                  if re.search(r"(?<![\d.])" + re.escape(literal) + r"(?!\d)", text))


def test_no_module_or_chapter_types_a_published_number():
    literals = published_literals()
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name != "published.py" and (hits := typed_numbers(code_text(path), literals)):
            found[str(path.relative_to(REPOSITORY))] = hits
    for path in sorted((REPOSITORY / "book").glob("*.md")):
        if hits := typed_numbers(path.read_text(), literals):
            found[str(path.relative_to(REPOSITORY))] = hits
    assert not found, f"published numbers typed outside xaiaudio/core/published.py: {found}"


def test_only_one_module_is_called_published():
    assert [p.relative_to(PACKAGE) for p in PACKAGE.rglob("published.py")] == [Path("core/published.py")]
