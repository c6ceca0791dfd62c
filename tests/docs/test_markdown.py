"""How the docs tests read a page: which blocks are snippets, which are skipped, how ipython blocks become cells."""

from __future__ import annotations

from tests.docs import _markdown, _page
from tests.docs._page import PageRun, SnippetFailed, ipython_cells

PAGE = """# A page

```python
x = 1
```

<!-- skip-snippet: installs things -->
```bash
pip install something
```

````ipython
%load_ext jupyter_prov
```
not a fence end
````

```text
jprov node show PK
```

```console
$ jprov status
```
"""


def _write(tmp_path, monkeypatch, text=PAGE):
    (tmp_path / "page.md").write_text(text)
    monkeypatch.setattr(_markdown, "ROOT", tmp_path)
    monkeypatch.setattr(_page, "ROOT", tmp_path)
    return "page.md"


def test_runnable_blocks_in_order_with_their_lines_and_skip_reasons(tmp_path, monkeypatch):
    page = _write(tmp_path, monkeypatch)
    found = _markdown.snippets(page)
    assert [(s.number, s.language, s.line, s.skip) for s in found] == [
        (1, "python", 4, None),
        (2, "bash", 9, "installs things"),
        (3, "ipython", 13, None),
    ]
    assert found[0].code == "x = 1\n"
    assert found[2].code == "%load_ext jupyter_prov\n```\nnot a fence end\n"


def test_console_fences_are_refused_and_markers_must_sit_on_a_snippet(tmp_path, monkeypatch):
    page = _write(tmp_path, monkeypatch, PAGE + "\n<!-- skip-snippet: nothing below -->\n\ntext\n")
    assert [(f.language, f.line) for f in _markdown.refused_fences(page)] == [("console", 23)]
    assert _markdown.stray_skip_markers(page) == [len(PAGE.splitlines()) + 2]


def test_each_line_magic_is_a_cell_and_the_lines_between_are_one():
    code = (
        "%load_ext jupyter_prov\nimport numpy as np\n\nresult = np.ones(3)\n%provenance show result\n# done\n"
    )
    assert ipython_cells(code) == [
        "%load_ext jupyter_prov",
        "import numpy as np\n\nresult = np.ones(3)",
        "%provenance show result",
    ]
    assert ipython_cells("%%provenance skip\nx = 1\n%time y = 2\n") == [
        "%%provenance skip\nx = 1\n%time y = 2\n"
    ]


def test_a_failing_python_block_names_the_page_and_line(tmp_path, monkeypatch):
    page = _write(tmp_path, monkeypatch, "# A page\n\n```python\nx = 1\ny = x / 0\n```\n")
    (snippet,) = _markdown.snippets(page)
    with PageRun(page, tmp_path / "run") as run:
        try:
            run.run_python(snippet)
        except SnippetFailed as failure:
            message = str(failure)
        else:
            raise AssertionError("a block that raises must fail")
    assert "page.md block 1 (python, line 4) failed: it raised" in message
    assert f'File "{tmp_path / "page.md"}", line 5' in message and "ZeroDivisionError" in message
