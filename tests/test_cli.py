"""The command line ``python -m derivations``: output, exit codes, JSON schema."""
import json
import pathlib
import subprocess
import sys

import pytest
import sympy as sp

import derivations
from derivations import cli, registry
from derivations.engine import CheckResult, Derivation, Source

ROOT = pathlib.Path(__file__).resolve().parents[1]
NAMES = ["marchenko-pastur", "ridge-regression"]
CHECK_KEYS = {"name", "kind", "passed", "expected", "observed", "tolerance", "detail"}


def run_cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "derivations", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def one_line(text):
    lines = text.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {lines}"
    return lines[0]


def test_list():
    r = run_cli("list")
    assert r.returncode == 0, r.stderr
    for name in NAMES:
        assert any(line.startswith(name + " ") for line in r.stdout.splitlines())
        assert registry.describe(name)["title"] in r.stdout


def test_show_prints_every_step():
    r = run_cli("show", "ridge-regression")
    assert r.returncode == 0, r.stderr
    for label in derivations.get("ridge-regression").labels():
        assert f"[{label}]" in r.stdout


def test_show_unknown_name():
    r = run_cli("show", "nope")
    assert r.returncode == 2
    assert r.stdout == ""
    line = one_line(r.stderr)
    assert "unknown derivation" in line and "'nope'" in line


def test_verify_without_names_is_bad_usage():
    r = run_cli("verify")
    assert r.returncode == 2
    assert "NAME" in one_line(r.stderr)


def test_unknown_command_is_bad_usage():
    r = run_cli("bogus")
    assert r.returncode == 2
    assert one_line(r.stderr).startswith("derivations: error:")


def test_latex_to_file(tmp_path):
    out = tmp_path / "mp.tex"
    r = run_cli("latex", "marchenko-pastur", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    text = out.read_text(encoding="ascii")
    assert text.startswith("\\documentclass")
    assert text == derivations.get("marchenko-pastur").to_latex()


def test_verify_json_schema():
    r = run_cli("verify", "marchenko-pastur", "--quick", "--json")
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    data = json.loads(r.stdout)  # stdout is exactly one JSON object
    assert set(data) == {"derivations"}
    (rep,) = data["derivations"]
    assert set(rep) == {"name", "passed", "seconds", "checks"}
    assert rep["name"] == "marchenko-pastur" and rep["passed"] is True
    assert isinstance(rep["seconds"], (int, float)) and rep["seconds"] > 0
    assert rep["checks"]
    d = derivations.get("marchenko-pastur")
    names = [c["name"] for c in rep["checks"]]
    for label in d.labels():
        assert any(n.startswith(f"step {label}:") for n in names), label
    for check in d.numeric_checks:
        assert any(n.split(":")[0] == check.name for n in names), check.name
    for c in rep["checks"]:
        assert set(c) == CHECK_KEYS
        assert c["kind"] in {"symbolic", "numeric", "simulation", "exponent"}
        assert c["passed"] is True
        assert isinstance(c["name"], str) and isinstance(c["detail"], str)


# ------------------------------------------------------------------ in process

def test_main_in_process_show_markdown(capsys):
    assert cli.main(["show", "marchenko-pastur", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# ") and "$$" in out


def test_main_in_process_bad_usage(capsys):
    assert cli.main(["verify", "marchenko-pastur", "--all"]) == 2
    assert "not both" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        cli.main(["latex", "nope"])
    assert exc.value.code == 2


def _toy(passing: bool) -> Derivation:
    x = sp.Symbol("x", positive=True)
    d = Derivation("toy", "Toy", Source("none", "nobody"))
    d.define("eq", "Eq", "x is one.", sp.Eq(x, 1))
    d.check("num", "numeric", "a number")(lambda quick: CheckResult("num", "numeric", passing, 1, 1 if passing else 2))
    return d


@pytest.mark.parametrize("passing, code", [(True, 0), (False, 1)])
def test_main_verify_exit_code_follows_checks(monkeypatch, capsys, passing, code):
    monkeypatch.setattr(registry, "get", lambda name: _toy(passing))
    assert cli.main(["verify", "marchenko-pastur", "--json"]) == code
    data = json.loads(capsys.readouterr().out)
    assert data["derivations"][0]["passed"] is passing
    assert cli.main(["verify", "marchenko-pastur"]) == code
    out = capsys.readouterr().out
    assert ("1 failed" in out) is (not passing) and "2 checks" in out


def test_latex_to_unwritable_path_is_a_usage_error(tmp_path):
    target = tmp_path / "missing" / "x.tex"
    proc = subprocess.run([sys.executable, "-m", "derivations", "latex", "marchenko-pastur", "-o", str(target)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "cannot write" in proc.stderr


def test_verify_names_each_entry_once(capsys):
    from derivations import cli
    assert cli.main(["verify", "marchenko-pastur", "marchenko-pastur", "--quick", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [d["name"] for d in out["derivations"]] == ["marchenko-pastur"]


# ---- files and pipes ----------------------------------------------------------------------------
def _run_cli(*args, preexec=None, stdout=subprocess.PIPE):
    return subprocess.run([sys.executable, "-m", "derivations", *args], cwd=ROOT_DIR, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=600, preexec_fn=preexec)


ROOT_DIR = pathlib.Path(__file__).resolve().parents[1]


def test_latex_empty_output_name_is_a_usage_error(capsys):
    assert cli.main(["latex", "marchenko-pastur", "-o", ""]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "needs a file name" in err


def test_latex_failed_write_leaves_the_old_file_intact(tmp_path):
    """Under a file-size limit smaller than the document, the write fails with exit 2 and a one-line message;
    the file that was there is untouched and no partial file is left behind."""
    import resource
    target = tmp_path / "mp.tex"
    target.write_text("% a good old file\n")
    limit = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))   # noqa: E731
    r = _run_cli("latex", "marchenko-pastur", "-o", str(target), preexec=limit)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("derivations: error: cannot write") and r.stderr.count("\n") == 1
    assert target.read_text() == "% a good old file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mp.tex"]
    ok = _run_cli("latex", "marchenko-pastur", "-o", str(target))
    assert ok.returncode == 0 and target.read_text().startswith("\\documentclass")


def test_show_into_a_closed_pipe_ends_quietly():
    proc = subprocess.Popen([sys.executable, "-m", "derivations", "show", "ridge-regression"], cwd=ROOT_DIR,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()                 # the reader is gone before the first write (like `| head -0`): no race
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=600) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err
